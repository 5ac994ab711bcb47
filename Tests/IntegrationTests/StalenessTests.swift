import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// When metricsd writes stale markers, as Prometheus decides it: not on shutdown, not for series a
/// reloaded job goes on scraping, at once for a job the reload removed.
@Suite("metricsd stale markers", .serialized)
struct StalenessTests {
    /// (value, timestamp) of every stored `up` sample of `job`, stale markers as NaN, read with `tsq dump`.
    static func up(_ dataDirectory: String, job: String) throws -> [(value: String, timestamp: Int64)] {
        let dump = try runProcess(ServerProcess.binary("tsq"), ["dump", "--data-dir", dataDirectory, "--metric", "up"])
        return dump.output.split(separator: "\n").filter { $0.contains("job=\"\(job)\"") }.compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let timestamp = Int64(fields[fields.count - 1]) else { return nil }
            return (String(fields[fields.count - 2]), timestamp)
        }
    }

    static func config(port: Int, jobs: [String], interval: String = "200ms") -> String {
        "global: {scrape_interval: \(interval), scrape_timeout: 200ms}\nscrape_configs:\n"
            + jobs.map { "  - job_name: \($0)\n    static_configs: [{targets: ['127.0.0.1:\(port)']}]\n" }.joined()
    }

    static func upCount(_ base: String, job: String) async -> Int {
        guard let (_, body) = await httpGet(base + "/api/v1/query?query=count_over_time(up%7Bjob%3D%22\(job)%22%7D%5B1m%5D)"),
              let range = body.range(of: #""(\d+)"\]"#, options: .regularExpression)
        else { return 0 }
        return Int(body[range].dropFirst().dropLast(2)) ?? 0
    }

    @Test("shutting down writes no stale markers; a job a reload restarts goes on without one; a removed job gets one at once")
    func endOfRun() async throws {
        let port = ServerProcess.freePort()
        let directory = try makeTemporaryDirectory("metricsd-stale")
        defer { removeTemporaryDirectory(directory) }
        let file = directory.appendingPathComponent("prometheus.yml")
        let data = directory.appendingPathComponent("data").path
        let arguments = ["--config.file", file.path, "--web.listen-address", "127.0.0.1:\(port)", "--web.enable-lifecycle", "--storage.tsdb.path", data]
        let base = "http://127.0.0.1:\(port)"

        try Self.config(port: port, jobs: ["kept", "removed"]).write(to: file, atomically: true, encoding: .utf8)
        var server = try ServerProcess("metricsd", arguments: arguments)
        #expect(await eventually(within: 20) {
            let kept = await Self.upCount(base, job: "kept")
            let removed = await Self.upCount(base, job: "removed")
            return kept >= 3 && removed >= 3
        })
        #expect(server.stop() == 0)
        #expect(try Self.up(data, job: "kept").allSatisfy { $0.value != "NaN" }, "a stale marker was written on shutdown")

        // After a restart: `kept` is restarted by a reload (its interval changes) and `removed` leaves.
        let before = try #require(try Self.up(data, job: "kept").last?.timestamp)
        server = try ServerProcess("metricsd", arguments: arguments)
        defer { server.stop() }
        #expect(await eventually(within: 20) { await Self.upCount(base, job: "kept") >= 3 })
        try Self.config(port: port, jobs: ["kept"], interval: "300ms").write(to: file, atomically: true, encoding: .utf8)
        #expect(await httpPost(base + "/-/reload")?.0 == 200)
        // Past the deferral (two old intervals, at least 2 s) the markers have been tried (and refused for `kept`).
        let reloaded = Date()
        #expect(await eventually(within: 20) {
            let count = await Self.upCount(base, job: "kept")
            return Date().timeIntervalSince(reloaded) > 3 && count >= 3
        })
        #expect(server.stop() == 0)
        let kept = try Self.up(data, job: "kept")
        #expect(kept.allSatisfy { $0.value != "NaN" }, "kept has a stale marker: \(kept.filter { $0.value == "NaN" })")
        #expect(kept.contains { $0.timestamp > before })
        let removed = try Self.up(data, job: "removed")
        #expect(removed.last?.value == "NaN", "the removed job's series end with a stale marker")
        #expect(removed.filter { $0.value == "NaN" }.count == 1)
    }
}
