import Foundation
import Hummingbird
import MetricsModel
import RemoteProtocol
import Testing
import ServerTestSupport
import TestSupport

/// Issue 19's reproductions against the shipped `metricsd`: hostile timestamps through scrapes and
/// remote write, a restart after `tsq import`, queries that used to crash the process, the sample
/// budget, and idle connections past the open-file limit. After each, the server is healthy,
/// restarts cleanly, and what it stored before is still there.
@Suite("metricsd data safety", .serialized)
struct DataSafetyTests {
    /// A store directory that outlives several metricsd processes within one test.
    final class Store {
        let directory: URL
        var data: String { directory.path + "/data" }
        init() throws { directory = try makeTemporaryDirectory("safety") }
        deinit { removeTemporaryDirectory(directory) }
    }

    /// A running metricsd over `store`, with the remote write receiver on.
    struct Running {
        let process: ServerProcess
        let base: String
        var pid: Int32 { process.process.processIdentifier }
    }

    static func start(_ store: Store, config: String = "scrape_configs: []\n", arguments: [String] = [], shell: String? = nil) async throws -> Running {
        let port = ServerProcess.freePort()
        let file = store.directory.appendingPathComponent("prometheus.yml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let flags = [
            "--config.file", file.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", store.data,
            "--web.enable-remote-write-receiver",
        ] + arguments
        let process: ServerProcess
        if let shell {
            // `shell` runs first (a ulimit, say), then execs metricsd in the same process.
            let command = shell + "; exec " + ([ServerProcess.binary("metricsd").path] + flags).map { "'\($0)'" }.joined(separator: " ")
            process = try ServerProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", command])
        } else {
            process = try ServerProcess("metricsd", arguments: flags)
        }
        let base = "http://127.0.0.1:\(port)"
        let ready = await eventually(within: 20) { await httpGet(base + "/-/ready")?.0 == 200 }
        #expect(ready, "metricsd did not become ready: \(process.log().suffix(2000))")
        return Running(process: process, base: base)
    }

    static let remoteWriteHeaders = ["Content-Type": "application/x-protobuf", "Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"]

    static func remoteWrite(_ base: String, _ series: [RemoteTimeSeries]) async -> (Int, String)? {
        let body = Data(Snappy.compress(RemoteWriteRequest(timeseries: series).encode()))
        return await httpPost(base + "/api/v1/write", body: body, headers: remoteWriteHeaders)
    }

    static func series(_ name: String, _ samples: [(Int64, Double)], labels: [(String, String)] = []) -> RemoteTimeSeries {
        RemoteTimeSeries(labels: [("__name__", name)] + labels.map { (name: $0.0, value: $0.1) }, samples: samples.map { Sample(timestamp: $0.0, value: $0.1) })
    }

    static func query(_ base: String, _ pairs: [(String, String)]) async -> (Int, [String: Any])? {
        guard let (status, body) = await httpPost(base + "/api/v1/query", body: Data(formEncode(pairs).utf8),
                                                 headers: ["Content-Type": "application/x-www-form-urlencoded"]),
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        else { return nil }
        return (status, json)
    }

    /// The instant vector's values for `expr`, by the series' `__name__`-less label text.
    static func values(_ base: String, _ expr: String) async -> [Double] {
        guard let (_, json) = await query(base, [("query", expr)]), let data = json["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]]
        else { return [] }
        return result.compactMap { ($0["value"] as? [Any])?.last as? String }.compactMap(Double.init)
    }

    static func healthy(_ base: String) async -> Bool { await httpGet(base + "/-/healthy")?.0 == 200 }

    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func selfMetric(_ base: String, _ name: String) async -> Double? {
        guard let (_, body) = await httpGet(base + "/metrics") else { return nil }
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// An exporter exposing a year-3000 sample beside a live gauge.
    static func startExporter(port: Int) async throws -> TestServer {
        try await startTextExporter(port: port) { _ in
            "# TYPE future_metric gauge\nfuture_metric 1 32503680000000\n# TYPE live_metric gauge\nlive_metric 7\n"
        }
    }

    @Test("a year-3000 sample, scraped or remote-written, is refused as out of bounds; Int64.max too; restarts and tsq dump stay clean")
    func futureSamples() async throws {
        let store = try Store()
        let exporterPort = ServerProcess.freePort()
        let exporter = try await Self.startExporter(port: exporterPort)
        defer { exporter.cancel() }
        let config = "global:\n  scrape_interval: 500ms\nscrape_configs:\n  - job_name: hostile\n    static_configs:\n      - targets: ['127.0.0.1:\(exporterPort)']\n"
        var server = try await Self.start(store, config: config)
        #expect(await eventually(within: 15) { await Self.values(server.base, "live_metric").first == 7 })
        #expect(await eventually(within: 10) { (await Self.selfMetric(server.base, "prometheus_target_scrapes_sample_out_of_bounds_total") ?? 0) >= 1 })
        #expect(await Self.values(server.base, "future_metric").isEmpty)
        #expect(await Self.values(server.base, "count(future_metric @ 32503680)").isEmpty)

        let now = Self.nowMilliseconds()
        let future = await Self.remoteWrite(server.base, [Self.series("future_metric", [(32_503_680_000_000, 1)])])
        #expect(future?.0 == 400)
        #expect(future?.1.contains("out of bounds") == true, "\(String(describing: future))")
        let extreme = await Self.remoteWrite(server.base, [
            Self.series("extreme_metric", [(Int64.max, 1)]), Self.series("extreme_metric", [(Int64.min, 1)], labels: [("k", "min")]),
            Self.series("written_metric", [(now, 1)]),
        ])
        #expect(extreme?.0 == 400)
        #expect(await Self.values(server.base, "written_metric") == [1])
        #expect(await Self.values(server.base, "extreme_metric").isEmpty)
        #expect(await Self.healthy(server.base))
        let before = await Self.values(server.base, "count_over_time(live_metric[10m])").first ?? 0
        #expect(before > 0)

        // A restart replays the WAL cleanly and keeps every sample.
        kill(server.pid, SIGKILL)
        server.process.process.waitUntilExit()
        server = try await Self.start(store, config: config)
        #expect(await Self.healthy(server.base))
        #expect((await Self.values(server.base, "count_over_time(live_metric[10m])").first ?? 0) >= before)
        #expect(await Self.values(server.base, "written_metric") == [1])
        #expect(await Self.values(server.base, "future_metric").isEmpty)
        server.process.stop()

        let dump = try runProcess(ServerProcess.binary("tsq"), ["dump", "--data-dir", store.data, "--metric", "written_metric"])
        #expect(dump.status == 0, "\(dump.output.suffix(2000))")
        #expect(dump.output.contains("written_metric"))
    }

    @Test("after tsq import, live samples acknowledged before a kill are still there after the restart")
    func restartAfterImport() async throws {
        let store = try Store()
        // Today's data, imported before metricsd starts (a block over today's range).
        let now = Self.nowMilliseconds()
        var text = "# TYPE imported_metric gauge\n"
        for minute in stride(from: 60, through: 20, by: -1) { text += "imported_metric 1 \(Double(now - Int64(minute) * 60_000) / 1000)\n" }
        text += "# EOF\n"
        let file = store.directory.appendingPathComponent("import.om")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let imported = try runProcess(ServerProcess.binary("tsq"), ["import", file.path, "--data-dir", store.data])
        #expect(imported.status == 0, "\(imported.output)")

        var server = try await Self.start(store)
        let written = await Self.remoteWrite(server.base, [Self.series("live_metric", [(now - 1000, 1), (now, 2)])])
        #expect(written?.0 == 204)
        kill(server.pid, SIGKILL)
        server.process.process.waitUntilExit()
        server = try await Self.start(store)
        defer { server.process.stop() }
        #expect(await Self.values(server.base, "count_over_time(live_metric[5m])") == [2])
        #expect(await Self.values(server.base, "count_over_time(imported_metric[2h])") == [41])
    }

    @Test("queries that used to crash the process answer 400 or 422, and the server stays up")
    func crashingQueries() async throws {
        let store = try Store()
        let server = try await Self.start(store, config: "global:\n  scrape_interval: 1s\nscrape_configs: []\n")
        defer { server.process.stop() }
        let sum15000 = Array(repeating: "1", count: 15_000).joined(separator: "+")
        let cases: [(path: String, pairs: [(String, String)], status: Int)] = [
            ("query", [("query", "up @ 1e300")], 400),
            ("query", [("query", "up @ -1e300")], 400),
            ("query", [("query", "up @ 9.3e15")], 400),
            ("format_query", [("query", "up @ 1e300")], 400),
            ("query", [("query", "up @ 9223372036854000 offset -1w")], 200),
            ("query", [("query", "up @ 9223372036854 offset -1w")], 200),
            ("query_range", [("query", "up"), ("start", "-9e15"), ("end", "9e15"), ("step", "1e12")], 200),
            ("query", [("query", "count_over_time(vector(1)[1y:1ms])")], 422),
            ("query", [("query", sum15000)], 400),
            ("query", [("query", String(repeating: "-", count: 20_000) + "1")], 400),
            ("query", [("query", String(repeating: "abs(", count: 5_000) + "1" + String(repeating: ")", count: 5_000))], 400),
        ]
        for item in cases {
            let answer = await httpPost(server.base + "/api/v1/" + item.path, body: Data(formEncode(item.pairs).utf8),
                                        headers: ["Content-Type": "application/x-www-form-urlencoded"], timeout: 30)
            #expect(answer?.0 == item.status, "\(item.pairs.first?.1.prefix(60) ?? ""): \(String(describing: answer).prefix(300))")
            #expect(await Self.healthy(server.base), "down after \(item.pairs.first?.1.prefix(60) ?? "")")
        }
    }

    @Test("--query.max-samples counts subquery points: 100 series over a 1 d subquery at 1 s fail with 422, without growing memory")
    func subqueryBudget() async throws {
        let store = try Store()
        let server = try await Self.start(store, arguments: ["--query.max-samples", "1000000"])
        defer { server.process.stop() }
        let now = Self.nowMilliseconds()
        let series = (0..<100).map { Self.series("budget_metric", [(now - 60_000, 1), (now, 2)], labels: [("i", "\($0)")]) }
        #expect(await Self.remoteWrite(server.base, series)?.0 == 204)
        let answer = await Self.query(server.base, [("query", "max_over_time(budget_metric[1d:1s])")])
        #expect(answer?.0 == 422)
        #expect((answer?.1["error"] as? String)?.contains("too many samples") == true)
        #expect(await Self.values(server.base, "count(budget_metric)") == [100])
        let status = (try? String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8)) ?? ""
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") {
            // 100 × 86,400 points held at once would be about 70 MB of doubles, before copies.
            #expect(kilobytes < 512 * 1024, "peak RSS \(kilobytes) kB")
        }
    }

    @Test("300 idle connections under ulimit -n 256 neither spin a core nor take the server down")
    func connectionsPastFileLimit() async throws {
        let store = try Store()
        let server = try await Self.start(store, shell: "ulimit -n 256")
        defer { server.process.stop() }
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        let port = UInt16(server.base.split(separator: ":").last!)!
        for _ in 0..<300 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 { sockets.append(fd) } else { close(fd) }
        }
        #expect(sockets.count >= 200)
        func cpuTicks() -> Int {
            let stat = (try? String(contentsOfFile: "/proc/\(server.pid)/stat", encoding: .utf8)) ?? ""
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            // utime and stime are fields 14 and 15; after the ")" they are the 12th and 13th.
            return fields.count > 12 ? (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) : 0
        }
        try await Task.sleep(for: .seconds(1))
        let start = cpuTicks()
        try await Task.sleep(for: .seconds(3))
        let spent = cpuTicks() - start
        // A spinning accept loop burns about 300 ticks (a whole core) in 3 s.
        #expect(spent < 100, "metricsd used \(spent) CPU ticks in 3 s with idle connections")
        for fd in sockets { close(fd) }
        sockets = []
        #expect(await eventually(within: 10) { await Self.healthy(server.base) })
        #expect(server.process.log().contains("max_connections=128"))
    }

    @Test("random extreme timestamps and durations through remote write and every time parameter crash nothing and lose nothing")
    func extremeValuesProperty() async throws {
        let store = try Store()
        let server = try await Self.start(store)
        defer { server.process.stop() }
        let now = Self.nowMilliseconds()
        #expect(await Self.remoteWrite(server.base, [Self.series("kept_metric", (0..<10).map { (now - Int64(10 - $0) * 1000, Double($0)) })])?.0 == 204)
        let timestamps: [Int64] = [0, 1, -1, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, now, now + 600_001, now - 86_400_000, 32_503_680_000_000]
        let numbers = ["0", "1", "-1", "9223372036854775807", "-9223372036854775808", "1e300", "-1e300", "NaN", "Inf", "-Inf", "+Inf", "1e-300", "9.3e15", "-9e15"]
        let durations = ["0s", "1ms", "1y", "100000000y", "292y", "9223372036854775807ms", "1e300", "NaN", "-1s"]
        var random = SplitMix(seed: 19)
        for round in 0..<40 {
            let timestamp = timestamps.randomElement(using: &random)!
            _ = await Self.remoteWrite(server.base, [Self.series("kept_metric", [(timestamp, 1)], labels: [("round", "\(round)")])])
            let number = numbers.randomElement(using: &random)!
            let other = numbers.randomElement(using: &random)!
            let duration = durations.randomElement(using: &random)!
            let requests: [(String, [(String, String)])] = [
                ("query", [("query", "kept_metric"), ("time", number)]),
                ("query", [("query", "kept_metric @ \(number)")]),
                ("query", [("query", "kept_metric offset \(duration)")]),
                ("query", [("query", "rate(kept_metric[\(duration)])"), ("timeout", number)]),
                ("query", [("query", "max_over_time(kept_metric[\(duration):\(duration)])"), ("lookback_delta", number)]),
                ("query_range", [("query", "kept_metric"), ("start", number), ("end", other), ("step", duration)]),
                ("query_range", [("query", "kept_metric"), ("start", "-\(number)"), ("end", number), ("step", number)]),
                ("series", [("match[]", "kept_metric"), ("start", number), ("end", other)]),
                ("labels", [("start", number), ("end", other)]),
                ("label/__name__/values", [("start", number), ("end", other)]),
                ("format_query", [("query", "kept_metric @ \(number) offset \(duration)")]),
            ]
            for (path, pairs) in requests {
                let answer = await httpPost(server.base + "/api/v1/" + path, body: Data(formEncode(pairs).utf8),
                                            headers: ["Content-Type": "application/x-www-form-urlencoded"], timeout: 30)
                #expect(answer != nil && answer!.0 < 500 || answer?.0 == 503, "\(path) \(pairs): \(String(describing: answer).prefix(300))")
            }
            guard await Self.healthy(server.base) else {
                Issue.record("metricsd went down in round \(round): \(server.process.log().suffix(3000))")
                return
            }
        }
        #expect(await Self.values(server.base, "count_over_time(kept_metric{round=\"\"}[1m])") == [10])
    }
}
