import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Debian's vmagent (victoria-metrics) is an independent implementation of Kubernetes discovery:
/// pointed at the same fake API server, it must discover the same labels as metricsd.
@Suite("Kubernetes discovery against vmagent", .serialized)
struct VMAgentDifferentialTests {
    static let vmagent = "/usr/bin/vmagent"
    /// Labels vmagent 1.79 does not implement.
    static let ignored = ["__meta_kubernetes_pod_container_id", "__meta_kubernetes_pod_container_image", "__meta_kubernetes_node_condition_"]

    /// `pool|address|container` → discovered `__address__` and `__meta_*` labels, from an `/api/v1/targets` answer.
    static func discovered(_ base: String) async -> [String: [String: String]] {
        guard let (_, body) = await httpGet(base + "/api/v1/targets"),
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any]
        else { return [:] }
        var out: [String: [String: String]] = [:]
        let entries = (data["activeTargets"] as? [[String: Any]] ?? []) + (data["droppedTargets"] as? [[String: Any]] ?? [])
        for entry in entries {
            let labels = (entry["discoveredLabels"] as? [String: String] ?? [:]).filter { name, _ in
                (name == "__address__" || name.hasPrefix("__meta_")) && !ignored.contains { name.hasPrefix($0) }
            }
            // vmagent lists a target whose final labels duplicate another's without a pool; Prometheus
            // and metricsd merge such targets silently (coredns's 53/UDP and 53/TCP here).
            guard let pool = entry["scrapePool"] as? String, !pool.isEmpty else { continue }
            let container = labels["__meta_kubernetes_pod_container_name"] ?? ""
            out["\(pool)|\(labels["__address__"] ?? "")|\(container)|\(labels["__meta_kubernetes_pod_container_port_name"] ?? "")"] = labels
        }
        return out
    }

    @Test("metricsd and vmagent discover the same pod and node labels from the fixtures", SharedConformance.required,
          .enabled(if: FileManager.default.isExecutableFile(atPath: vmagent), "vmagent (Debian package victoria-metrics) is not installed"))
    func sameDiscoveredLabels() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let api = FakeKubernetesAPI(cluster: cluster)
        try await api.start()
        defer { api.stop() }
        let directory = try makeTemporaryDirectory("vmagent-diff")
        defer { removeTemporaryDirectory(directory) }
        let config = directory.appendingPathComponent("prometheus.yml")
        try """
            scrape_configs:
            - job_name: pods-raw
              kubernetes_sd_configs: [{role: pod, api_server: '\(api.baseURL)'}]
            - job_name: nodes-raw
              kubernetes_sd_configs: [{role: node, api_server: '\(api.baseURL)'}]
            """.write(to: config, atomically: true, encoding: .utf8)

        let vmPort = ServerProcess.freePort()
        let vm = Process()
        vm.executableURL = URL(fileURLWithPath: Self.vmagent)
        vm.arguments = [
            "-promscrape.config=\(config.path)", "-httpListenAddr=127.0.0.1:\(vmPort)",
            "-remoteWrite.url=http://127.0.0.1:1/api/v1/write", "-remoteWrite.tmpDataPath=\(directory.path)/vmagent",
            "-loggerLevel=ERROR",
        ]
        vm.standardOutput = FileHandle.nullDevice
        vm.standardError = FileHandle.nullDevice
        try vm.run()
        defer {
            vm.terminate()
            vm.waitUntilExit()
        }
        let ourPort = ServerProcess.freePort()
        let ours = try ServerProcess(
            "metricsd", arguments: ["--config.file", config.path, "--web.listen-address", "127.0.0.1:\(ourPort)", "--storage.tsdb.path", directory.path + "/data"])
        defer { ours.stop() }

        // 18 pod targets (one pair merged as duplicates) and 3 node targets, in both.
        let vmBase = "http://127.0.0.1:\(vmPort)"
        let ourBase = "http://127.0.0.1:\(ourPort)"
        #expect(await eventually(within: 30) { await Self.discovered(vmBase).count == 20 }, "vmagent targets")
        #expect(await eventually(within: 30) { await Self.discovered(ourBase).count == 20 }, "metricsd targets")
        let theirs = await Self.discovered(vmBase)
        let mine = await Self.discovered(ourBase)
        #expect(Set(theirs.keys) == Set(mine.keys))
        for key in theirs.keys.sorted() where theirs[key] != mine[key] {
            let a = theirs[key] ?? [:]
            let b = mine[key] ?? [:]
            let differing = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
            Issue.record("\(key): vmagent \(differing.map { "\($0)=\(a[$0] ?? "nil")" }) metricsd \(differing.map { "\($0)=\(b[$0] ?? "nil")" })")
        }
    }
}
