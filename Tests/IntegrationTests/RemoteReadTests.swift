import Foundation
import MetricsModel
import RemoteProtocol
import ServerTestSupport
import Testing
import TestSupport

/// metricsd's `remote_read`: queries read Debian's Prometheus 2.42 (and another metricsd) through
/// remote read and merge what comes back with the local store.
@Suite("remote read from Prometheus and from metricsd", .serialized)
struct RemoteReadTests {
    static let prometheus = "/usr/bin/prometheus"

    /// A Prometheus 2.42 with the remote write receiver on, external label `cluster: east`, and
    /// `rr_metric` pushed into it; runs `body` with its base URL and the data's last timestamp.
    func withPrometheus(_ body: (String, Int64) async throws -> Void) async throws {
        let directory = try makeTemporaryDirectory("rr-prometheus")
        defer { removeTemporaryDirectory(directory) }
        let config = directory.appendingPathComponent("prometheus.yml")
        try "global: {external_labels: {cluster: east}}\n".write(to: config, atomically: true, encoding: .utf8)
        let port = ServerProcess.freePort()
        let prometheus = try ServerProcess(executable: URL(fileURLWithPath: Self.prometheus), arguments: [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(directory.path)/data", "--web.listen-address=127.0.0.1:\(port)",
            "--web.enable-remote-write-receiver", "--log.level=error",
        ])
        defer { prometheus.stop() }
        let base = "http://127.0.0.1:\(port)"
        try #require(await eventually(within: underLoad) { await httpGet(base + "/-/ready")?.0 == 200 }, "Prometheus: \(prometheus.log().suffix(1000))")
        let end = RemoteReadFixture.dataEnd()
        let (status, text) = try #require(await RemoteReadFixture.push(base, RemoteReadFixture.dataset(end: end)))
        try #require(status == 204, "Prometheus refused the data: \(status) \(text)")
        try await body(base, end)
    }

    @Test("queries through remote read answer exactly what Prometheus 2.42 answers over its own data",
          .enabled(if: FileManager.default.isExecutableFile(atPath: prometheus), "prometheus is not installed"))
    func sameAnswersAsPrometheus() async throws {
        try await withPrometheus { prometheus, end in
            try await withMetricsd("rr-diff", config: { _ in
                RemoteReadFixture.config(external: "east", remotes: ["  - {url: '\(prometheus)/api/v1/read', name: prom, read_recent: true}"])
            }) { metricsd in
                let expressions = [
                    "rr_metric", "rate(rr_metric[2m])", "sum by (kind) (rr_metric)", "max_over_time(rr_metric{instance=\"i2\"}[5m])", "count(rr_metric)",
                ]
                for expr in expressions {
                    let ours = try #require(await RemoteReadFixture.range(metricsd.base, expr, end: end))
                    let theirs = try #require(await RemoteReadFixture.range(prometheus, expr, end: end))
                    #expect(theirs.result.count > 10, "Prometheus returned nothing for \(expr)")
                    #expect(ours.result == theirs.result, "\(expr): metricsd \(ours.result.prefix(300)) vs Prometheus \(theirs.result.prefix(300))")
                    #expect(ours.warnings.isEmpty, "\(expr): \(ours.warnings)")
                }
                // Prometheus stores its data without its external label: asked with metricsd's
                // matching one, it answers as if stored with it, and metricsd takes it off again.
                let series = try #require(await RemoteReadFixture.range(metricsd.base, "rr_metric", end: end))
                #expect(!series.result.contains("cluster"), "the added external label came back: \(series.result.prefix(200))")
                // A selection naming the label itself is sent as written, and keeps what comes back.
                let named = try #require(await RemoteReadFixture.instant(metricsd.base, "count by (cluster) (rr_metric{cluster=\"east\"})", at: Double(end) / 1000))
                #expect(named.result.contains("\"cluster\":\"east\"") && named.result.contains("\"4\""), "\(named.result)")
                let metrics = await httpGet(metricsd.base + "/metrics")?.1 ?? ""
                #expect(metrics.contains("prometheus_remote_storage_read_queries_total{remote_name=\"prom\",url=\"\(prometheus)/api/v1/read\",code=\"200\"}"))
                #expect(metrics.contains("prometheus_remote_storage_remote_read_queries{remote_name=\"prom\""))
                #expect(metrics.contains("prometheus_remote_storage_read_request_duration_seconds_count{remote_name=\"prom\""))
                // `/api/v1/series` lists remote series too.
                let found = await httpGet(metricsd.base + "/api/v1/series?match[]=rr_metric&start=\(end / 1000 - 600)&end=\(end / 1000)")?.1 ?? ""
                #expect(found.contains("\"instance\":\"i4\""), "series: \(found.prefix(300))")
            }
        }
    }

    @Test("remote series merge with local ones; required_matchers, read_recent and a remote that is down behave as in Prometheus",
          .enabled(if: FileManager.default.isExecutableFile(atPath: prometheus), "prometheus is not installed"))
    func mergeAndSelection() async throws {
        try await withPrometheus { prometheus, end in
            let closed = ServerProcess.freePort()
            try await withMetricsd("rr-merge", config: { _ in
                RemoteReadFixture.config(external: "east", remotes: [
                    "  - {url: '\(prometheus)/api/v1/read', name: recent, read_recent: true, required_matchers: {kind: remote}}",
                    "  - {url: '\(prometheus)/api/v1/read', name: old}",
                    "  - {url: 'http://127.0.0.1:\(closed)/api/v1/read', name: down, required_matchers: {probe: down}}",
                ])
            }, arguments: ["--web.enable-remote-write-receiver"]) { metricsd in
                // metricsd holds i1 on timestamps 5 s after Prometheus's, and i1 at end exactly once more.
                let local = RemoteReadFixture.dataset(end: end, offset: 5_000).filter { $0.labels.contains { $0 == ("instance", "i1") } }
                let (status, _) = try #require(await RemoteReadFixture.push(metricsd.base, local))
                try #require(status == 204)
                let window = "rr_metric{instance=\"i1\",kind=\"remote\"}[10m]"
                let merged = try #require(await RemoteReadFixture.rawSamples(metricsd.base, window, at: end))
                let remote = try #require(await RemoteReadFixture.rawSamples(prometheus, window, at: end))
                // The window is (end − 10m, end] in metricsd, as in Prometheus 3.x; 2.42's includes its start.
                let inWindow = { (time: Int64) in time > end - 600_000 && time <= end }
                let own = Set(local[0].samples.map(\.timestamp).filter(inWindow))
                let theirs = Set((remote.values.first ?? [:]).keys.filter(inWindow))
                #expect(merged.count == 1, "one series, merged: \(merged.keys)")
                #expect(own.count == 40 && theirs.count == 40)
                #expect(Set((merged.values.first ?? [:]).keys) == theirs.union(own))

                // `recent` needs kind="remote"; `old` (read_recent: false) reads only before the
                // local store's start, which without blocks is two evaluation intervals ahead of now.
                let before = RemoteReadFixture.queries(await httpGet(metricsd.base + "/metrics")?.1 ?? "")
                let inFuture = Double(Date().timeIntervalSince1970 + 3600)
                let later = try #require(await RemoteReadFixture.instant(metricsd.base, "rr_metric{instance=\"i2\"}", at: inFuture))
                #expect(later.result == "[]", "an hour ahead, no remote is asked and nothing is there: \(later.result)")
                let afterFuture = RemoteReadFixture.queries(await httpGet(metricsd.base + "/metrics")?.1 ?? "")
                #expect(afterFuture == before, "a selection after the local start reached a remote: \(before) → \(afterFuture)")
                let withoutKind = try #require(await RemoteReadFixture.instant(metricsd.base, "rr_metric{instance=\"i2\"}", at: Double(end) / 1000))
                #expect(withoutKind.result.contains("\"instance\":\"i2\""), "read through `old`: \(withoutKind.result)")
                let counts = RemoteReadFixture.queries(await httpGet(metricsd.base + "/metrics")?.1 ?? "")
                #expect(counts["old"] == (before["old"] ?? 0) + 1 && counts["recent"] == before["recent"], "\(before) → \(counts)")

                // A remote that is down: the query still answers from everything else, with a warning.
                let degraded = try #require(await RemoteReadFixture.instant(metricsd.base, "rr_metric{probe=\"down\"} or vector(1)", at: Double(end) / 1000))
                #expect(degraded.status == "success")
                #expect(degraded.warnings.contains { $0.hasPrefix("remote_read: down: ") }, "warnings: \(degraded.warnings)")
            }
        }
    }

    @Test("metricsd serves remote read with its external labels, as Prometheus does, and reads another metricsd")
    func metricsdToMetricsd() async throws {
        let end = RemoteReadFixture.dataEnd()
        try await withMetricsd("rr-server", config: { _ in RemoteReadFixture.config(external: "east", remotes: []) },
                               arguments: ["--web.enable-remote-write-receiver"]) { server in
            let (status, _) = try #require(await RemoteReadFixture.push(server.base, RemoteReadFixture.dataset(end: end)))
            try #require(status == 204)
            try await withMetricsd("rr-client", config: { _ in
                RemoteReadFixture.config(external: "east", remotes: [
                    "  - {url: '\(server.base)/api/v1/read', name: filtered, read_recent: true, required_matchers: {instance: i1}}",
                    "  - {url: '\(server.base)/api/v1/read', name: unfiltered, read_recent: true, filter_external_labels: false, required_matchers: {instance: i2}}",
                ])
            }) { client in
                for expr in ["rr_metric{instance=\"i1\"}", "rate(rr_metric{instance=\"i1\"}[2m])"] {
                    let ours = try #require(await RemoteReadFixture.range(client.base, expr, end: end))
                    let theirs = try #require(await RemoteReadFixture.range(server.base, expr, end: end))
                    #expect(theirs.result.count > 10 && ours.result == theirs.result, "\(expr): \(ours.result.prefix(300)) vs \(theirs.result.prefix(300))")
                }
                // Unfiltered, the server's external label arrives on the series and stays.
                let raw = try #require(await RemoteReadFixture.instant(client.base, "rr_metric{instance=\"i2\"}", at: Double(end) / 1000))
                #expect(raw.result.contains("\"cluster\":\"east\"") && raw.result.contains("\"instance\":\"i2\""), "\(raw.result.prefix(300))")
                let filtered = try #require(await RemoteReadFixture.instant(client.base, "rr_metric{instance=\"i1\"}", at: Double(end) / 1000))
                #expect(!filtered.result.contains("cluster") && filtered.result.contains("\"instance\":\"i1\""), "\(filtered.result.prefix(300))")
            }
        }
    }

    @Test("reads carry Prometheus's headers, the endpoint's headers and its auth; an oauth2 token refused with 401 is fetched again and the read repeated")
    func headersAndAuth() async throws {
        let receiver = try await RemoteWriteReceiver(port: ServerProcess.freePort(), rejectedReads: 1)
        defer { receiver.stop() }
        let base = "http://127.0.0.1:\(receiver.port)"
        let end = RemoteReadFixture.dataEnd()
        // Stored with the external label, as a store fed by metricsd's remote write holds it.
        let stored = RemoteReadFixture.dataset(end: end).map { RemoteTimeSeries(labels: $0.labels + [("cluster", "east")], samples: $0.samples) }
        let (status, _) = try #require(await RemoteReadFixture.push(base, stored))
        try #require((200..<300).contains(status))
        try await withMetricsd("rr-auth", config: { _ in
            RemoteReadFixture.config(external: "east", remotes: [
                "  - {url: '\(base)/api/v1/read', name: token, read_recent: true, headers: {X-Scope-OrgID: team},",
                "     oauth2: {client_id: metricsd, client_secret: s3cret, token_url: '\(base)/oauth2/token'}}",
                "  - {url: '\(base)/api/v1/read', name: basic, read_recent: true, required_matchers: {instance: i2}, basic_auth: {username: u, password: p}}",
            ])
        }) { metricsd in
            let answer = try #require(await RemoteReadFixture.instant(metricsd.base, "count(rr_metric)", at: Double(end) / 1000))
            #expect(answer.result.contains("\"4\"") && answer.warnings.isEmpty, "\(answer.result) \(answer.warnings)")
            let reads = receiver.reads
            #expect(reads.map(\.status) == [401, 200], "the refused read is repeated once with a new token")
            #expect(receiver.tokenRequests.count == 2)
            let read = try #require(reads.last)
            #expect(read.headers["authorization"] == "Bearer token-2")
            #expect(read.headers["x-scope-orgid"] == "team" && read.headers["x-prometheus-remote-read-version"] == "0.1.0")
            #expect(read.headers["content-encoding"] == "snappy" && read.headers["content-type"] == "application/x-protobuf")
            #expect(read.headers["user-agent"]?.hasPrefix("ToolboxMetrics/") == true)
            #expect(read.matchers == [["__name__=\"rr_metric\"", "cluster=\"east\""]], "the external label goes as a matcher: \(read.matchers)")

            let one = try #require(await RemoteReadFixture.instant(metricsd.base, "rr_metric{instance=\"i2\"}", at: Double(end) / 1000))
            #expect(one.result.contains("\"instance\":\"i2\"") && !one.result.contains("cluster"), "\(one.result)")
            let basic = receiver.reads.dropFirst(2).filter { $0.headers["authorization"]?.hasPrefix("Basic ") == true }
            #expect(basic.count == 1 && basic.first?.headers["authorization"] == "Basic dTpw", "\(receiver.reads.map(\.headers))")
        }
    }

    @Test("a remote that never answers holds a query only until the query's own timeout, not remote_timeout")
    func silentRemoteBoundedByQueryTimeout() async throws {
        let port = ServerProcess.freePort()
        // Accepts connections and never answers.
        let silent = try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/python3"), arguments: [
            "-c", "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1',\(port)))\ns.listen(16)\nc=[]\nwhile True: c.append(s.accept())",
        ])
        defer { silent.stop() }
        try await withMetricsd("rr-silent", config: { _ in
            RemoteReadFixture.config(external: "east", remotes: ["  - {url: 'http://127.0.0.1:\(port)/api/v1/read', name: silent, read_recent: true}"])
        }) { metricsd in
            let started = ContinuousClock.now
            let answer = try #require(await RemoteReadFixture.answer(metricsd.base, "/api/v1/query", [("query", "up"), ("timeout", "2s")]))
            let took = ContinuousClock.now - started
            #expect(took < .seconds(15), "the query waited \(took) for a remote that does not answer")
            #expect(answer.status == "error" || answer.warnings.contains { $0.hasPrefix("remote_read: silent: ") }, "\(answer)")
        }
    }
}
