import MetricsModel
import RemoteProtocol

/// What remote write and remote read receive: a snappy-compressed protobuf request.
enum RemoteWriteTargets {
    static let request = FuzzTarget(name: "remote-write", summary: "snappy + protobuf WriteRequest and ReadRequest decoders", seeds: { seeds() }) { bytes in
        // The first byte picks the path: through snappy, or the protobuf decoders alone (so the
        // fuzzer reaches them without having to find valid snappy first).
        guard let first = bytes.first else { return }
        var body = Array(bytes.dropFirst())
        if first & 1 == 1 {
            guard let decompressed = try? Snappy.decompress(body, limit: 1 << 20) else { return }
            body = decompressed
        }
        if first & 2 == 0 {
            if let request = try? RemoteWriteRequest.decode(body) {
                for series in request.timeseries { _ = series.labels.count + series.samples.count + series.histograms.count }
            }
        } else {
            _ = try? RemoteReadRequest.decode(body)
        }
    }

    /// A write request with floats and a histogram, raw and compressed; a read request.
    static func seeds() -> [[UInt8]] {
        var h = FloatHistogram()
        h.count = 3
        h.sum = 1.5
        h.positiveSpans = [HistogramSpan(offset: 0, length: 2)]
        h.positiveBuckets = [1, 2]
        let write = RemoteWriteRequest(timeseries: [
            RemoteTimeSeries(labels: [("__name__", "up"), ("job", "api")], samples: [Sample(timestamp: 1_700_000_000_000, value: 1)]),
            RemoteTimeSeries(labels: [("__name__", "latency")], samples: [], histograms: [HistogramSample(timestamp: 1_700_000_000_000, histogram: h)]),
        ]).encode()
        var seeds = [[0] + write, [1] + Snappy.compress(write)]
        if let matcher = try? Matcher(.regexMatch, "job", "api|web") {
            seeds.append([2] + RemoteReadRequest(queries: [.init(start: 0, end: 60_000, matchers: [matcher])], acceptedResponseTypes: [0]).encode())
        }
        return seeds
    }
}
