import Foundation
import ServerTestSupport
import Testing
import TestSupport
import Yams

/// `demo/prometheus.yml` keeps the platform's relabel rules: only the discovery differs.
@Suite("Demo configuration")
struct DemoConfigTests {
    static let root = DashboardFiles.root

    /// `relabel_configs` by job name of a `prometheus.yml` text.
    static func relabelRules(_ yaml: String) throws -> [String: String] {
        let config = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        var rules: [String: String] = [:]
        for job in (config["scrape_configs"] as? [[String: Any]]) ?? [] {
            let name = job["job_name"] as? String ?? "?"
            // Compared as canonical JSON: key order and YAML quoting do not matter.
            let data = try JSONSerialization.data(withJSONObject: job["relabel_configs"] ?? [], options: [.sortedKeys])
            rules[name] = String(decoding: data, as: UTF8.self)
        }
        return rules
    }

    @Test("the demo's pod and node jobs relabel exactly as the DaemonSet's configuration does")
    func sameRelabelRules() throws {
        let platform = try Self.relabelRules(try String(contentsOf: Self.root.appendingPathComponent("deploy/kubernetes/base/prometheus.yml"), encoding: .utf8))
        let demo = try Self.relabelRules(try String(contentsOf: Self.root.appendingPathComponent("demo/prometheus.yml"), encoding: .utf8))
        for job in ["kubernetes-pods", "node-exporter"] {
            #expect(demo[job] != nil && demo[job] == platform[job], "\(job): demo \(demo[job] ?? "missing") vs platform \(platform[job] ?? "missing")")
        }
    }

    @Test("tsq check config accepts the demo's configuration and its rule file")
    func checks() async throws {
        let result = try await runCommandDetached(ServerProcess.binary("tsq"), ["check", "config", Self.root.appendingPathComponent("demo/prometheus.yml").path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
