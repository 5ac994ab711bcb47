import Foundation
import ServerTestSupport
import Testing
import TestSupport

extension TSQIntegrationTests {
    /// `tsq` against metricsd and Debian's promtool against Prometheus 2.42, over the same imported
    /// data: the answers must be the same. tsq against Prometheus must agree too, since it is meant for
    /// any Prometheus-compatible server.
    @Suite("tsq against metricsd, promtool against Prometheus", .serialized,
           .enabled(if: TSQPeers.havePrometheus, "prometheus and promtool (Debian package prometheus) are not installed"))
    struct TSQDifferentialTests {
        static let instantQueries = [
            "http_requests_total",
            "sum by (code) (rate(http_requests_total[5m]))",
            "histogram_quantile(0.9, sum by (le) (rate(db_query_duration_seconds_bucket[5m])))",
            "temperature_celsius > 22",
            "avg_over_time(temperature_celsius[10m])",
            #"scalar(sum(http_requests_total{code="500"}))"#,
            "topk(2, http_requests_total)",
            "http_requests_total offset 1h",
            "count by (instance) (http_requests_total)",
            "increase(http_requests_total[1h])",
            "db_query_duration_seconds_sum / db_query_duration_seconds_count",
            "absent(nonexistent_metric)",
        ]

        static let rangeQueries = [
            "sum by (code) (rate(http_requests_total[5m]))",
            "temperature_celsius",
            "histogram_quantile(0.5, rate(db_query_duration_seconds_bucket[10m]))",
        ]

        /// Imports the dataset into a metricsd store and a Prometheus store and runs `body` with both
        /// servers' URLs.
        static func withBothServers(_ body: (TSQDataset, _ ours: String, _ prometheus: String) async throws -> Void) async throws {
            let directory = try makeTemporaryDirectory("tsq-differential")
            defer { removeTemporaryDirectory(directory) }
            let dataset = TSQDataset()
            let file = try dataset.write(to: directory)
            let data = directory.appendingPathComponent("metricsd-data").path
            let imported = try await tsq(["import", file, "--data-dir", data])
            try #require(imported.status == 0, "tsq import failed: \(imported.stderr)")
            try await withStoreServer(data: data) { ours in
                try await withPrometheus(file: file, in: directory) { prometheus in
                    try await body(dataset, ours, prometheus)
                }
            }
        }

        static func promtool(_ arguments: [String]) async throws -> String {
            let result = try await runCommandDetached(URL(fileURLWithPath: TSQPeers.promtool), arguments)
            #expect(result.status == 0, "promtool \(arguments): \(result.stderr)")
            return result.stdout
        }

        static func expectSame(_ ours: String, _ theirs: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let left = ResultComparison.result(ResultComparison.parse(ours))
            let right = ResultComparison.result(ResultComparison.parse(theirs))
            #expect(left != nil, "\(what): tsq printed no JSON: \(ours)", sourceLocation: sourceLocation)
            #expect(ResultComparison.equal(left, right), "\(what) differs\n tsq:      \(ours)\n promtool: \(theirs)", sourceLocation: sourceLocation)
        }

        @Test("instant and range queries, series and label values agree")
        func queriesAgree() async throws {
            try await Self.withBothServers { dataset, ours, prometheus in
                let time = String(dataset.instant)
                for query in Self.instantQueries {
                    let mine = try await tsq(["query", query, "--time", time, "-o", "json", "--url", ours])
                    #expect(mine.status == 0, "tsq query \(query): \(mine.stderr)")
                    let theirs = try await Self.promtool(["query", "instant", "-o", "json", "--time", time, prometheus, query])
                    Self.expectSame(mine.stdout, theirs, "instant \(query)")
                    // The same tsq against Prometheus: it is a client for any compatible server.
                    let direct = try await tsq(["query", query, "--time", time, "-o", "json", "--url", prometheus])
                    Self.expectSame(direct.stdout, theirs, "tsq against Prometheus, instant \(query)")
                }
                let (start, end) = (String(dataset.start + 1800), String(dataset.end - 1800))
                for query in Self.rangeQueries {
                    let mine = try await tsq(["query", query, "--start", start, "--end", end, "--step", "60s", "-o", "json", "--url", ours])
                    #expect(mine.status == 0, "tsq range \(query): \(mine.stderr)")
                    let theirs = try await Self.promtool(["query", "range", "-o", "json", "--start", start, "--end", end, "--step", "60s", prometheus, query])
                    Self.expectSame(mine.stdout, theirs, "range \(query)")
                }
                for selector in ["http_requests_total", #"http_requests_total{code="500"}"#, #"{__name__=~"db_.*",le="1.0"}"#] {
                    let mine = try await tsq(["series", selector, "-o", "json", "--url", ours])
                    let theirs = try await Self.promtool(["query", "series", "-o", "json", "--match", selector, prometheus])
                    Self.expectSame(mine.stdout, theirs, "series \(selector)")
                }
                for name in ["instance", "__name__", "le"] {
                    let mine = try await tsq(["labels", name, "-o", "json", "--url", ours])
                    let theirs = try await Self.promtool(["query", "labels", "-o", "json", prometheus, name])
                    Self.expectSame(mine.stdout, theirs, "label values of \(name)")
                }
                // Label names: Prometheus's own server adds none here, so the lists are the same.
                let names = try await tsq(["labels", "-o", "json", "--url", ours])
                let theirNames = try await tsq(["labels", "-o", "json", "--url", prometheus])
                Self.expectSame(names.stdout, theirNames.stdout, "label names")
            }
        }

        @Test("on a range's first instant the two differ as their versions document: Prometheus 3's (t-r, t] against 2.42's [t-r, t]")
        func rangeStartDiffers() async throws {
            try await Self.withBothServers { dataset, ours, prometheus in
                // Five minutes of 15 s samples ending on a sample: 20 inside (t-5m, t], 21 inside [t-5m, t].
                let onSample = String(dataset.instant + TSQDataset.offset)
                let query = "count_over_time(temperature_celsius[5m])"
                let mine = try await tsq(["query", query, "--time", onSample, "-o", "prom", "--url", ours])
                let theirs = try await tsq(["query", query, "--time", onSample, "-o", "prom", "--url", prometheus])
                #expect(mine.stdout.hasPrefix(#"{room="lab"} 20 "#), "\(mine.stdout)\(mine.stderr)")
                #expect(theirs.stdout.hasPrefix(#"{room="lab"} 21 "#), "\(theirs.stdout)\(theirs.stderr)")
            }
        }

        @Test("a bad query fails the same way on both: exit 1 and the server's error text")
        func badQueryAgrees() async throws {
            try await Self.withBothServers { _, ours, prometheus in
                let mine = try await tsq(["query", "sum(rate(up[5m])", "--url", ours])
                let theirs = try await tsq(["query", "sum(rate(up[5m])", "--url", prometheus])
                #expect(mine.status == 1 && theirs.status == 1)
                #expect(mine.stderr == theirs.stderr, "ours: \(mine.stderr)\nprometheus: \(theirs.stderr)")
                #expect(mine.stderr.contains(#"bad_data: invalid parameter "query": 1:17: parse error"#))
            }
        }

        @Test("tsq reads VictoriaMetrics too: query, series and labels",
              .enabled(if: FileManager.default.isExecutableFile(atPath: TSQPeers.victoriaMetrics), "victoria-metrics is not installed"))
        func victoriaMetrics() async throws {
            let directory = try makeTemporaryDirectory("tsq-vm")
            defer { removeTemporaryDirectory(directory) }
            let dataset = TSQDataset()
            let port = ServerProcess.freePort()
            let server = try ServerProcess(executable: URL(fileURLWithPath: TSQPeers.victoriaMetrics), arguments: [
                "-httpListenAddr=127.0.0.1:\(port)", "-storageDataPath=\(directory.path)/vm", "-retentionPeriod=100y", "-search.latencyOffset=0s",
            ])
            try await runThenTerminate(server) { try await Self.queryVictoriaMetrics(port: port, dataset: dataset) }
        }

        static func queryVictoriaMetrics(port: Int, dataset: TSQDataset) async throws {
            let base = "http://127.0.0.1:\(port)"
            try #require(await eventually(within: 20) { await httpGet(base + "/health")?.0 == 200 }, "victoria-metrics did not start")
            // VictoriaMetrics imports Prometheus text with millisecond timestamps.
            let text = dataset.openMetrics.split(separator: "\n").filter { $0.hasPrefix("http_requests_total") }.map { line -> String in
                let parts = line.split(separator: " ")
                return "\(parts[0]) \(parts[1]) \(Int64(parts[2])! * 1000)"
            }.joined(separator: "\n") + "\n"
            let imported = await httpPost(base + "/api/v1/import/prometheus", body: Data(text.utf8))
            #expect(imported?.0 == 204, "import: \(imported.map { "\($0)" } ?? "no answer")")
            _ = await httpGet(base + "/internal/force_flush")
            let time = String(dataset.instant)
            let answered = await eventually(within: 15) {
                let result = try? await tsq(["query", "count(http_requests_total)", "--time", time, "-o", "json", "--url", base])
                return result?.stdout.contains(#""4"]"#) ?? false
            }
            #expect(answered, "VictoriaMetrics never counted the 4 imported series through tsq")
            let series = try await tsq(["series", "http_requests_total", "-o", "csv", "--url", base])
            #expect(series.status == 0 && series.stdout.split(separator: "\n").count == 5, "\(series.stdout)\(series.stderr)")
            let values = try await tsq(["labels", "code", "-o", "prom", "--url", base])
            #expect(values.stdout == "200\n500\n", "\(values.stdout)\(values.stderr)")
            let table = try await tsq(["query", #"sum by (code) (http_requests_total)"#, "--time", time, "-o", "table", "--url", base])
            #expect(table.status == 0 && table.stdout.hasPrefix("METRIC") && table.stdout.contains(#"{code="500"}"#), "\(table.stdout)")
        }
    }
}
