import Foundation
import ServerTestSupport
import Testing
import TestSupport

extension TSQIntegrationTests {
    /// `tsq --data-dir`: the store read in process, read-only, beside a running metricsd.
    @Suite("tsq offline (--data-dir)", .serialized)
    struct TSQOfflineTests {
        /// A store with both blocks (the imported dataset) and a WAL (a few scrapes of an exporter by an
        /// earlier metricsd run), so offline reads cover both.
        static func withStore(_ body: (TSQDataset, _ data: String) async throws -> Void) async throws {
            let directory = try makeTemporaryDirectory("tsq-offline")
            defer { removeTemporaryDirectory(directory) }
            let dataset = TSQDataset()
            let data = directory.appendingPathComponent("data").path
            let exporterPort = ServerProcess.freePort()
            let exporter = try await startTextExporter(port: exporterPort) { _ in
                "# HELP queue_depth Depth.\n# TYPE queue_depth gauge\nqueue_depth{queue=\"jobs\"} 7\n"
            }
            defer { exporter.cancel() }
            let port = ServerProcess.freePort()
            let config = directory.appendingPathComponent("scrape.yml")
            try """
                global: {scrape_interval: 1s, scrape_timeout: 1s}
                scrape_configs:
                  - job_name: exporter
                    static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
                """.write(to: config, atomically: true, encoding: .utf8)
            do {
                let server = try ServerProcess("metricsd", arguments: [
                    "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", data,
                ])
                let base = "http://127.0.0.1:\(port)"
                let scraped = await eventually(within: 20) {
                    (await httpGet(base + "/api/v1/query?query=count_over_time(queue_depth%5B1m%5D)")?.1.contains(#""3"]"#)) ?? false
                }
                #expect(scraped, "metricsd did not scrape the exporter three times: \(server.log().suffix(1500))")
                #expect(await server.terminate() == 0)
            }
            let imported = try await tsq(["import", try dataset.write(to: directory), "--data-dir", data])
            try #require(imported.status == 0, "tsq import: \(imported.stderr)")
            try await body(dataset, data)
        }

        @Test("offline answers are byte for byte the server's over the same directory, while the server runs")
        func sameAsServer() async throws {
            try await Self.withStore { dataset, data in
                try await withStoreServer(data: data) { base in
                    let time = String(dataset.instant)
                    let now = String(Int(Date().timeIntervalSince1970))
                    let commands: [[String]] = [
                        ["query", "sum by (code) (rate(http_requests_total[5m]))", "--time", time],
                        ["query", "histogram_quantile(0.9, sum by (le) (rate(db_query_duration_seconds_bucket[5m])))", "--time", time],
                        ["query", "queue_depth", "--time", now],
                        ["query", "temperature_celsius", "--start", String(dataset.start), "--end", String(dataset.end), "--step", "5m"],
                        ["series", "http_requests_total", #"{__name__="queue_depth"}"#],
                        ["labels"],
                        ["labels", "job"],
                        ["tsdb", "status"],
                        ["metadata"],
                    ]
                    for command in commands {
                        let offline = try await tsq(command + ["-o", "json", "--data-dir", data])
                        let online = try await tsq(command + ["-o", "json", "--url", base])
                        #expect(offline.status == 0 && online.status == 0, "\(command): \(offline.stderr) \(online.stderr)")
                        #expect(!offline.stdout.isEmpty && offline.stdout == online.stdout,
                                "\(command)\n offline: \(offline.stdout)\n server:  \(online.stdout)")
                    }
                    // The head (from the WAL) and the blocks (from the import) are both read.
                    let both = try await tsq(["query", "count(queue_depth) + count(temperature_celsius offset 2h)", "--time", now, "-o", "prom", "--data-dir", data])
                    #expect(both.stdout.hasPrefix("{} 2 "), "\(both.stdout)\(both.stderr)")
                    // The server was not disturbed: it still answers, and stops cleanly.
                    #expect(await httpGet(base + "/-/ready")?.0 == 200)
                }
            }
        }

        @Test("reading never changes the directory, even a torn WAL the server would cut, and never locks metricsd out")
        func readOnly() async throws {
            try await Self.withStore { dataset, data in
                let wal = URL(fileURLWithPath: data).appendingPathComponent("wal")
                let segments = try FileManager.default.contentsOfDirectory(atPath: wal.path).filter { $0.count == 8 }.sorted()
                let last = wal.appendingPathComponent(try #require(segments.last))
                let handle = try FileHandle(forWritingTo: last)
                handle.seekToEndOfFile()
                handle.write(Data([0x01, 0x30, 0x00, 0x00, 0x00, 0xba, 0xad]))
                try handle.close()
                let before = try fileContents(under: data)
                let read = try await tsq(["query", "queue_depth", "--time", String(Int(Date().timeIntervalSince1970)), "-o", "prom", "--data-dir", data])
                #expect(read.status == 0 && read.stdout.contains(#"queue_depth{instance="#), "\(read.stdout)\(read.stderr)")
                #expect(try fileContents(under: data) == before, "tsq changed the data directory")
                // metricsd starts on the directory afterwards (no lock left behind), and cuts the tear itself.
                try await withStoreServer(data: data) { base in
                    let answer = await httpGet(base + "/api/v1/query?query=count(queue_depth)")
                    #expect(answer?.1.contains(#""1"]"#) == true, "\(answer?.1 ?? "no answer")")
                }
                _ = dataset
            }
        }

        @Test("offline reads keep working while metricsd scrapes into the same directory")
        func whileScraping() async throws {
            let directory = try makeTemporaryDirectory("tsq-live")
            defer { removeTemporaryDirectory(directory) }
            try await withMetricsd("tsq-live", config: { port in
                """
                global: {scrape_interval: 1s, scrape_timeout: 1s}
                scrape_configs:
                  - job_name: metricsd
                    static_configs: [{targets: ['127.0.0.1:\(port)']}]
                """
            }) { server in
                let data = server.directory.appendingPathComponent("data").path
                let scraped = await eventually(within: 20) {
                    (try? await tsq(["query", "count(up)", "-o", "prom", "--data-dir", data]))?.stdout.hasPrefix("{} 1 ") ?? false
                }
                #expect(scraped, "tsq --data-dir never saw metricsd's first scrape")
                var counts: [Int] = []
                for _ in 0..<10 {
                    let read = try await tsq(["query", "count_over_time(up[1h])", "-o", "prom", "--data-dir", data])
                    #expect(read.status == 0, "\(read.stderr)")
                    counts.append(Int(read.stdout.split(separator: " ").dropFirst().first ?? "") ?? -1)
                    try await Task.sleep(for: .milliseconds(300))
                }
                #expect(counts == counts.sorted() && counts.last! > counts.first!, "samples seen offline did not grow: \(counts)")
                // The server-only commands, against the same metricsd.
                let targets = try await tsq(["targets", "-o", "table", "--url", server.base])
                let rows = targets.stdout.split(separator: "\n")
                #expect(rows.first?.hasPrefix("POOL") == true && rows.count == 2, "\(targets.stdout)\(targets.stderr)")
                #expect(rows.last?.contains("metricsd") == true && rows.last?.contains(" UP ") == true && rows.last?.contains("ago") == true)
                let rules = try await tsq(["rules", "-o", "table", "--url", server.base])
                #expect(rules.status == 0 && rules.stderr == "tsq: no rules\n", "\(rules.stderr)")
                let alerts = try await tsq(["alerts", "-o", "json", "--url", server.base])
                #expect(alerts.status == 0 && alerts.stdout == #"{"alerts":[]}"# + "\n", "\(alerts.stdout)")
            }
        }
    }
}
