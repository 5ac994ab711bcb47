import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import ServerTestSupport
import TestSupport

/// Configuration reload of the running binary: SIGHUP and `POST /-/reload`.
@Suite("metricsd reload", .serialized)
struct ReloadTests {
    static func write(_ yaml: String, to url: URL) throws {
        try yaml.write(to: url, atomically: true, encoding: .utf8)
    }

    static func pools(_ base: String) async -> Set<String> {
        guard let (_, body) = await httpGet(base + "/api/v1/targets"),
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let active = data["activeTargets"] as? [[String: Any]]
        else { return [] }
        return Set(active.compactMap { $0["scrapePool"] as? String })
    }

    @Test("a reload adds and removes jobs, keeps unchanged ones running, and rejects a bad file")
    func reloadByHTTPAndSignal() async throws {
        let port = ServerProcess.freePort()
        let directory = try makeTemporaryDirectory("metricsd-reload")
        defer { removeTemporaryDirectory(directory) }
        let config = directory.appendingPathComponent("prometheus.yml")
        let selfJob = "  - job_name: self\n    static_configs: [{targets: ['127.0.0.1:\(port)']}]\n"
        try Self.write("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n" + selfJob, to: config)
        let server = try ServerProcess(
            "metricsd",
            arguments: [
                "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--web.enable-lifecycle",
                "--storage.tsdb.path", directory.appendingPathComponent("data").path,
            ])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        #expect(await eventually(within: 20) { await Self.pools(base) == ["self"] })

        // Reload over HTTP: one job added, the unchanged one kept.
        try Self.write(
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n" + selfJob
                + "  - job_name: second\n    static_configs: [{targets: ['127.0.0.1:\(port)']}]\n", to: config)
        #expect(await httpPost(base + "/-/reload")?.0 == 200)
        #expect(await eventually(within: 15) { await Self.pools(base) == ["self", "second"] })

        // A bad file is refused with 500 and the running jobs stay.
        try Self.write("scrape_configs: [{job_name: x, scrape_interval: nonsense}]", to: config)
        let refused = await httpPost(base + "/-/reload")
        #expect(refused?.0 == 500)
        #expect(refused?.1.contains("not a valid duration") == true)
        #expect(await Self.pools(base) == ["self", "second"])
        // The self-metrics say so, under Prometheus's names; the next good reload sets them back.
        let failedMetrics = await httpGet(base + "/metrics")?.1 ?? ""
        #expect(failedMetrics.contains("\nprometheus_config_last_reload_successful 0\n"), "\(failedMetrics.prefix(300))")
        let goodReloadTime = failedMetrics.split(separator: "\n").first { $0.hasPrefix("prometheus_config_last_reload_success_timestamp_seconds ") }
            .flatMap { Double($0.split(separator: " ")[1]) }
        #expect(goodReloadTime.map { abs($0 - Date().timeIntervalSince1970) < 120 } == true)

        // SIGHUP: back to one job.
        try Self.write("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n" + selfJob, to: config)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(await eventually(within: 15) { await Self.pools(base) == ["self"] })
        #expect(await eventually(within: 10) { await httpGet(base + "/metrics")?.1.contains("\nprometheus_config_last_reload_successful 1\n") == true })
        #expect(server.stop() == 0)
        let log = server.log()
        // Each good reload restarted nothing that stayed the same: only new jobs start.
        #expect(log.contains("restarted=1 stopped=0"))
        #expect(log.contains("restarted=0 stopped=1"))
    }

    @Test("without --web.enable-lifecycle, POST /-/reload is forbidden")
    func lifecycleDisabled() async throws {
        let port = ServerProcess.freePort()
        let directory = try makeTemporaryDirectory("metricsd-nolifecycle")
        defer { removeTemporaryDirectory(directory) }
        let server = try ServerProcess(
            "metricsd", arguments: ["--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", directory.path])
        defer { server.stop() }
        #expect(await eventually(within: 20) { await httpGet("http://127.0.0.1:\(port)/-/ready")?.0 == 200 })
        #expect(await httpPost("http://127.0.0.1:\(port)/-/reload")?.0 == 403)
    }
}
