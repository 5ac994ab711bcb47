import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// `tsq rules backtest`: a replay over data metricsd scraped while it evaluated the same rule file
/// live must give exactly the live run's alerts.
extension TSQIntegrationTests {
    @Suite("tsq rules backtest")
    struct Backtest {
        static let rules = """
            groups:
              - name: flags
                interval: 1s
                query_offset: 1s
                rules:
                  - record: svc:toolbox_flag:max
                    expr: max by (svc) (toolbox_flag)
                  - alert: FlagUp
                    expr: svc:toolbox_flag:max > 0
                    for: 2s
                    keep_firing_for: 2s
                    labels: {severity: warn}
                  - alert: FlagWobbles
                    expr: changes(toolbox_flag[3s]) > 1
            """

        /// Up at 3 s, a 1 s dip at 8 s (kept firing), up again, down for good at 12 s.
        static let windows: [ClosedRange<Double>] = [3...8, 9...12]

        /// The `ALERTS` samples a data directory holds, keyed by series, up to `end`.
        static func alerts(in directory: String, end: Int64) async throws -> [String: [String]] {
            let result = try await tsq(["query", "ALERTS[2m]", "--time", String(Double(end) / 1000), "--data-dir", directory, "-o", "json"])
            try #require(result.status == 0, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            var out: [String: [String]] = [:]
            for series in object["result"] as? [[String: Any]] ?? [] {
                let metric = (series["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                out[metric] = (series["values"] as? [[Any]] ?? []).map { "\($0[0])" }
            }
            return out
        }

        @Test("a backtest over data scraped live gives the live run's ALERTS, sample for sample")
        func matchesLive() async throws {
            let directory = try makeTemporaryDirectory("backtest")
            defer { removeTemporaryDirectory(directory) }
            let rules = directory.appendingPathComponent("flags.yml")
            try Self.rules.write(to: rules, atomically: true, encoding: .utf8)
            let clock = directory.appendingPathComponent("clock")
            let exporterPort = ServerProcess.freePort()
            let exporter = try FlagExporter.start(port: exporterPort, windows: Self.windows, clockFile: clock)
            defer { exporter.stop() }
            _ = try FlagExporter.startClock(clock)
            let config = directory.appendingPathComponent("prometheus.yml")
            try """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: [\(rules.path)]
                scrape_configs:
                  - job_name: flags
                    static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
                """.write(to: config, atomically: true, encoding: .utf8)
            let data = directory.appendingPathComponent("data").path
            let start = Int64(Date().timeIntervalSince1970 * 1000)
            let server = try ServerProcess("metricsd", arguments: [
                "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(ServerProcess.freePort())", "--storage.tsdb.path", data,
            ])
            try await Task.sleep(for: .seconds(20))
            // Evaluations after this may be cut off by the stop; compare up to it.
            let end = Int64(Date().timeIntervalSince1970 * 1000) - 1500
            #expect(await server.terminate() == 0)

            let output = directory.appendingPathComponent("backtest").path
            let result = try await tsq([
                "rules", "backtest", rules.path, "--start", String(Double(start) / 1000), "--end", String(Double(end) / 1000),
                "--data-dir", data, "--output-dir", output, "-o", "json",
            ])
            try #require(result.status == 0, "\(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let episodes = report["alerts"] as? [[String: Any]] ?? []
            let flagUp = episodes.filter { $0["alertname"] as? String == "FlagUp" }
            #expect(flagUp.count == 1, "one episode: keep_firing_for bridges the dip: \(episodes)")
            #expect(flagUp.first?["firingAt"] is String && flagUp.first?["endedAt"] is String, "\(flagUp)")

            let live = try await Self.alerts(in: data, end: end)
            let replayed = try await Self.alerts(in: output, end: end)
            #expect(!live.isEmpty)
            #expect(live == replayed, "live \(live)\nbacktest \(replayed)")

            // History fetched from a server gives the same alerts as the data directory read in process.
            try await withStoreServer(data: data) { base in
                let remote = try await tsq([
                    "rules", "backtest", rules.path, "--start", String(Double(start) / 1000), "--end", String(Double(end) / 1000),
                    "--url", base, "-o", "json",
                ])
                try #require(remote.status == 0, "\(remote.stderr)")
                let fetched = try #require(try JSONSerialization.jsonObject(with: Data(remote.stdout.utf8)) as? [String: Any])
                // The query API does not carry stale markers, so after a failed scrape (a busy
                // machine) a series lives on for the lookback there: then only the starts must agree.
                let failed = try await tsq(["query", "min_over_time(up[1m])", "--time", String(Double(end) / 1000), "--url", base, "-o", "json"])
                if failed.stdout.contains(#""0"]"#) {
                    let starts = { (list: [Any]) in list.map { ($0 as? [String: Any]).map { "\($0["pendingAt"] ?? "") \($0["firingAt"] ?? "")" } } }
                    #expect(starts(fetched["alerts"] as? [Any] ?? []) == starts(episodes), "\(fetched) vs \(episodes)")
                } else {
                    #expect(NSArray(array: fetched["alerts"] as? [Any] ?? []) == NSArray(array: episodes), "\(fetched) vs \(episodes)")
                }
            }

            // The table and the timeline chart for a terminal.
            let table = try await tsq([
                "rules", "backtest", rules.path, "--start", String(Double(start) / 1000), "--end", String(Double(end) / 1000),
                "--data-dir", data, "-o", "table",
            ], environment: ["COLUMNS": "100"])
            #expect(table.status == 0)
            #expect(table.stdout.contains("FlagUp") && table.stdout.contains("█") && table.stdout.contains("PENDING"), "\(table.stdout)")
        }
    }
}
