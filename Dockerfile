# metricsd in two stages. The builder compiles a release binary with the Swift runtime linked
# statically; the runtime stage is `scratch` plus what deploy/container/collect-rootfs copies: the
# binary, the shared libraries ldd lists for it, CA certificates and the web UI's chart library.
# It runs as nobody (65534) and writes only to /data and /tmp, so the root filesystem can be
# read-only. scripts/check-container runs the same two scripts and smoke-tests the result in a
# read-only chroot, since no image can be built where CI runs.
#   docker build -t toolboxmetrics/metricsd:0.1.0 .
FROM swift:6.3.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libre2-dev libsqlite3-dev libzstd-dev libsnappy-dev zlib1g-dev \
      libjs-dygraphs ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN deploy/container/collect-rootfs "$(deploy/container/build-release)" /rootfs

FROM scratch
COPY --from=build /rootfs /
USER 65534:65534
EXPOSE 9090
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/metricsd"]
CMD ["--storage.tsdb.path=/data", "--web.listen-address=0.0.0.0:9090"]
