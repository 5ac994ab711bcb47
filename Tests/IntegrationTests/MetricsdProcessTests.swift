import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Runs the shipped `metricsd` binary on 127.0.0.1 and talks to it over HTTP.
@Suite("metricsd process", .serialized)
struct MetricsdProcessTests {
    @Test("metricsd scrapes itself, reports healthy targets and stops cleanly on SIGTERM")
    func scrapesItself() async throws {
        try await withMetricsd("self", config: { port in
            """
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: self
                static_configs: [{targets: ['127.0.0.1:\(port)'], labels: {env: test}}]
              - job_name: nothing-listens
                static_configs: [{targets: ['127.0.0.1:1']}]
            """
        }) { instance in try await Self.checkSelfScrape(instance.base) }
    }

    static func checkSelfScrape(_ base: String) async throws {
        let healthy = await eventually(within: 15) {
            guard let (_, body) = await httpGet(base + "/api/v1/targets") else { return false }
            return body.contains(#""health":"up""#) && body.contains(#""health":"down""#)
        }
        #expect(healthy)
        let (_, targets) = try #require(await httpGet(base + "/api/v1/targets"))
        #expect(targets.contains(#""env":"test""#))
        #expect(targets.contains("connection refused") || targets.contains("Connection refused") || targets.contains("connect"))

        // The self scrape lands in the head: samples appended grows.
        let appended = await eventually(within: 15) {
            guard let (_, metrics) = await httpGet(base + "/metrics") else { return false }
            return metrics.split(separator: "\n").contains { $0.hasPrefix("prometheus_tsdb_head_samples_appended_total") && !$0.hasSuffix(" 0") }
        }
        #expect(appended)

        // The self scrape's # TYPE/# HELP lines are kept per target for the metadata endpoints.
        let metadata = await eventually(within: 10) {
            await httpGet(base + "/api/v1/metadata?metric=prometheus_tsdb_head_samples_appended_total")?.1.contains(#""type":"counter""#) == true
        }
        #expect(metadata)
        let (status, perTarget) = try #require(await httpGet(base + "/api/v1/targets/metadata?match_target=%7Bjob%3D%22self%22%7D&metric=prometheus_tsdb_head_samples_appended_total"))
        #expect(status == 200)
        #expect(perTarget.contains(#""target":{"#) && perTarget.contains(#""job":"self""#) && !perTarget.contains(#""metric":"#))
        #expect(await httpGet(base + "/api/v1/targets/metadata?match_target=up%2B")?.0 == 400)
    }

    @Test("a bad configuration fails start-up with the file and the reason")
    func badConfig() throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("metricsd-bad-\(getpid()).yml")
        defer { try? FileManager.default.removeItem(at: config) }
        try "scrape_configs: [{job_name: a, scrape_interval: 15q}]".write(to: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess("metricsd", arguments: ["--config.file", config.path, "--web.listen-address", "127.0.0.1:\(ServerProcess.freePort())"])
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 1)
        let log = server.log()
        #expect(log.contains(config.path))
        #expect(log.contains("not a valid duration"))
    }
}

@Suite("metricsd without targets", .serialized)
struct MetricsdIdleTests {
    @Test("metricsd with no scrape targets keeps serving until stopped")
    func noTargets() async throws {
        try await withMetricsd("idle", config: { _ in "scrape_configs: []\n" }) { instance in
            #expect(await httpGet(instance.base + "/api/v1/query?query=vector(1)")?.0 == 200)
            #expect(await httpGet(instance.base + "/-/healthy")?.0 == 200)
        }
    }
}
