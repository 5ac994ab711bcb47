import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// `metricsd --agent`: scrape and forward with a WAL only.
@Suite("metricsd --agent")
struct AgentModeTests {
    /// Starts `metricsd --agent` with `config(port)` in `directory`; returns the process and its base URL.
    static func startAgent(_ directory: URL, port: Int = ServerProcess.freePort(), config: (Int) -> String, arguments: [String] = []) throws -> (ServerProcess, String) {
        let file = directory.appendingPathComponent("agent.yml").path
        try config(port).write(toFile: file, atomically: true, encoding: .utf8)
        let server = try ServerProcess("metricsd", arguments: [
            "--agent", "--config.file", file, "--web.listen-address", "127.0.0.1:\(port)", "--storage.agent.path", directory.path + "/agent",
        ] + arguments)
        return (server, "http://127.0.0.1:\(port)")
    }

    @Test("an agent ships what it scrapes, answers targets and status, and refuses queries as Prometheus's agent does")
    func shipsAndRefusesQueries() async throws {
        let receiver = try await RemoteWriteReceiver(port: ServerProcess.freePort())
        defer { receiver.stop() }
        let directory = try makeTemporaryDirectory("agent")
        defer { removeTemporaryDirectory(directory) }
        let (agent, base) = try Self.startAgent(directory, config: { port in
            RemoteWriteFixture.config(selfPort: port, interval: "500ms", remotes: [
                "  - {url: 'http://127.0.0.1:\(receiver.port)/api/v1/write', queue_config: {batch_send_deadline: 200ms}}",
            ])
        }, arguments: ["--storage.agent.wal-truncate-frequency", "2s"])
        defer { agent.stop() }
        try #require(await eventually(within: underLoad) { await httpGet(base + "/-/ready")?.0 == 200 }, "\(agent.log().suffix(1500))")
        #expect(await eventually(within: underLoad) { receiver.series.keys.contains { $0.contains("__name__=\"up\"") } }, "up never arrived")
        #expect(receiver.series.keys.contains { $0.contains("__name__=\"prometheus_agent_active_series\"") && $0.contains("cluster=\"rw-test\"") })

        for path in ["/api/v1/query?query=up", "/api/v1/query_range?query=up&start=0&end=1&step=1", "/api/v1/series?match[]=up", "/api/v1/labels", "/api/v1/status/tsdb", "/federate?match[]=up", "/api/v1/rules"] {
            let answer = await httpGet(base + path)
            #expect(answer?.0 == 422, "\(path): \(answer.map { "\($0.0)" } ?? "no answer")")
            #expect(answer?.1.contains("\"errorType\":\"execution\"") == true && answer?.1.contains("unavailable with Prometheus Agent") == true, "\(path)")
        }
        for path in ["/api/v1/targets", "/api/v1/status/config", "/api/v1/status/flags", "/api/v1/status/buildinfo", "/metrics"] {
            #expect(await httpGet(base + path)?.0 == 200, "\(path)")
        }
        // Truncations run every 2 s and keep the WAL to what the queue has not sent.
        #expect(await eventually(within: underLoad) {
            (await httpGet(base + "/metrics")?.1 ?? "").contains("prometheus_agent_truncate_total 3")
        }, "no truncations")
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/agent/wal").filter { $0.count == 8 }
        #expect(segments.count <= 4, "\(segments.sorted()) segments kept after truncations")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/agent/chunks_head") && !FileManager.default.fileExists(atPath: directory.path + "/data"))
    }

    @Test("an agent refuses rule_files and remote_read at start, naming them", arguments: [
        ("rule_files: [rules.yml]", "field rule_files is not allowed in agent mode"),
        ("remote_read: [{url: 'http://127.0.0.1:1/api/v1/read'}]", "field remote_read is not allowed in agent mode"),
    ])
    func refusesQuerySideConfig(_ section: String, _ message: String) async throws {
        let directory = try makeTemporaryDirectory("agent-rules")
        defer { removeTemporaryDirectory(directory) }
        let (agent, _) = try Self.startAgent(directory, config: { port in
            "\(section)\nscrape_configs: [{job_name: self, static_configs: [{targets: ['127.0.0.1:\(port)']}]}]\n"
        })
        agent.process.waitUntilExit()
        #expect(agent.process.terminationStatus == 1)
        #expect(agent.log().contains(message), "\(agent.log().suffix(800))")
    }

    @Test("an agent restarted after kill -9 reads its WAL back and ships on under the same series")
    func restartKeepsReferences() async throws {
        let receiver = try await RemoteWriteReceiver(port: ServerProcess.freePort())
        defer { receiver.stop() }
        let directory = try makeTemporaryDirectory("agent-restart")
        defer { removeTemporaryDirectory(directory) }
        let remote = { (port: Int) in
            RemoteWriteFixture.config(selfPort: port, interval: "300ms", remotes: [
                "  - {url: 'http://127.0.0.1:\(receiver.port)/api/v1/write', queue_config: {batch_send_deadline: 200ms, max_shards: 1}}",
            ])
        }
        let port = ServerProcess.freePort()
        let (first, firstBase) = try Self.startAgent(directory, port: port, config: remote)
        try #require(await eventually(within: underLoad) { await httpGet(firstBase + "/-/ready")?.0 == 200 })
        #expect(await eventually(within: underLoad) { receiver.requests.count > 5 })
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        let (second, base) = try Self.startAgent(directory, port: port, config: remote)
        defer { second.stop() }
        try #require(await eventually(within: underLoad) { await httpGet(base + "/-/ready")?.0 == 200 })
        let upKeys = { receiver.series.keys.filter { $0.contains("__name__=\"up\"") } }
        let before = receiver.series.values.reduce(0) { $0 + $1.count }
        #expect(await eventually(within: underLoad) { receiver.series.values.reduce(0) { $0 + $1.count } > before + 500 }, "nothing shipped after the restart")
        // The job's `up` series is one series across both runs, and every sample under it is 1
        // (samples sent under another series' labels would show up here).
        #expect(upKeys().count == 1, "\(upKeys())")
        for (key, points) in receiver.series where key.contains("__name__=\"up\"") {
            #expect(points.values.allSatisfy { $0 == 1 }, "up carried values other than 1: the samples went under another series")
        }
        #expect(receiver.series.keys.allSatisfy { $0.contains("job=\"self\"") })
    }

    /// 100,000 series in a static exposition, served by Python's http.server from a directory.
    static func writeExposition(_ directory: URL, series: Int) throws {
        var text = "# TYPE soak_series gauge\n"
        text.reserveCapacity(series * 48)
        for index in 0..<series { text += "soak_series{shard=\"\(index % 100)\",id=\"\(index)\"} \(index)\n" }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try text.write(to: directory.appendingPathComponent("metrics"), atomically: true, encoding: .utf8)
    }

    /// Resident memory of `pid` in KiB.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }

    @Test("memory stays flat over a 10-minute soak with --agent at 100k series", .timeLimit(.minutes(15)))
    func soakMemoryFlat() async throws {
        let directory = try makeTemporaryDirectory("agent-soak")
        defer { removeTemporaryDirectory(directory) }
        let exposition = directory.appendingPathComponent("exporter")
        try Self.writeExposition(exposition, series: 100_000)
        let exporterPort = ServerProcess.freePort()
        let exporter = try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/python3"), arguments: [
            "-m", "http.server", "\(exporterPort)", "--bind", "127.0.0.1", "--directory", exposition.path,
        ])
        defer { exporter.stop() }
        let receiver = try await RemoteWriteReceiver(port: ServerProcess.freePort(), keepSamples: false)
        defer { receiver.stop() }
        let (agent, base) = try Self.startAgent(directory, config: { port in
            """
            global: {scrape_interval: 15s, scrape_timeout: 10s, external_labels: {cluster: soak}}
            scrape_configs:
              - job_name: soak
                static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
              - job_name: self
                static_configs: [{targets: ['127.0.0.1:\(port)']}]
            remote_write:
              - {url: 'http://127.0.0.1:\(receiver.port)/api/v1/write', name: soak}
            """
        }, arguments: ["--storage.agent.wal-truncate-frequency", "1m"])
        defer { agent.stop() }
        try #require(await eventually(within: underLoad) { await httpGet(base + "/-/ready")?.0 == 200 })
        #expect(await eventually(within: 60) { receiver.sampleCount >= 100_000 }, "the first scrape did not arrive")
        // 1. Warm up for two minutes (series created, buffers grown, first truncations), then
        // sample the resident set every 20 s for eight more.
        try await Task.sleep(for: .seconds(120))
        var samples: [Int] = []
        let end = ContinuousClock.now + .seconds(480)
        while ContinuousClock.now < end {
            if let kib = Self.residentKiB(agent.process.processIdentifier) { samples.append(kib) }
            try await Task.sleep(for: .seconds(20))
        }
        let first = try #require(samples.first)
        let peak = try #require(samples.max())
        let walBytes = FileManager.default.subpathsSize(directory.path + "/agent/wal")
        let shipped = receiver.sampleCount
        print("agent soak: RSS after warm-up \(first / 1024) MiB, peak \(peak / 1024) MiB, last \(samples.last! / 1024) MiB over \(samples.count) readings; WAL \(walBytes / 1_048_576) MiB; \(shipped) samples shipped")
        // 2. Flat: the peak stays within 15 % (and 32 MiB) of the level after warm-up.
        #expect(Double(peak) <= Double(first) * 1.15 + 32 * 1024, "RSS grew from \(first) KiB to \(peak) KiB")
        // 3. Everything scraped went out: 40 scrapes of 100k series in ten minutes.
        #expect(shipped >= 3_600_000, "only \(shipped) samples shipped")
        // 4. The WAL is bounded by the truncations (a minute's worth of 100k series is ~10 MiB).
        #expect(walBytes < 200 * 1_048_576, "WAL is \(walBytes) bytes")
    }
}

extension FileManager {
    /// Bytes of the regular files under `path`.
    func subpathsSize(_ path: String) -> Int {
        (subpaths(atPath: path) ?? []).reduce(0) { total, name in
            total + ((try? attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0)
        }
    }
}
