import Config
import Foundation
import Testing
import Yams

@testable import Scraper

/// `deploy/kubernetes/metricsd.yaml`: its objects are what a DaemonSet agent needs, and the embedded
/// configuration loads with node-local selectors.
@Suite("Deploy manifest")
struct DeployManifestTests {
    static let manifest = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/kubernetes/metricsd.yaml")

    static func documents() throws -> [[String: Any]] {
        let text = try String(contentsOf: manifest, encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
    }

    @Test("the manifest holds the namespace, RBAC, config and DaemonSet")
    func objects() throws {
        let kinds = try Self.documents().compactMap { $0["kind"] as? String }
        #expect(kinds == ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet"])
        let role = try #require(try Self.documents().first { $0["kind"] as? String == "ClusterRole" })
        let rules = role["rules"] as? [[String: Any]] ?? []
        #expect(rules.flatMap { $0["resources"] as? [String] ?? [] }.sorted() == ["nodes", "pods"])
        #expect(rules.flatMap { $0["verbs"] as? [String] ?? [] }.sorted() == ["get", "list", "watch"])
    }

    @Test("the embedded configuration loads, selects this node's pods and node, and scrapes node-exporter on :9100")
    func configuration() throws {
        let configMap = try #require(try Self.documents().first { $0["kind"] as? String == "ConfigMap" })
        let yaml = try #require((configMap["data"] as? [String: String])?["prometheus.yml"])
        let config = try PrometheusConfig.load(yaml: yaml, source: "metricsd.yaml", environment: ["NODE_NAME": "worker-2"])
        let pods = try #require(config.scrapeConfigs.first { $0.jobName == "kubernetes-pods" })
        #expect(pods.discovery.kubernetesSDConfigs.first?.selectors == [.init(role: .pod, field: "spec.nodeName=worker-2")])
        let nodes = try #require(config.scrapeConfigs.first { $0.jobName == "node-exporter" })
        #expect(nodes.discovery.kubernetesSDConfigs.first?.selectors == [.init(role: .node, field: "metadata.name=worker-2")])

        // The fixture node worker-2 becomes a node-exporter target on :9100 with its labels mapped.
        let group = TargetGroup(
            source: "node/worker-2", labels: ["__meta_kubernetes_node_name": "worker-2", "__meta_kubernetes_node_label_zone": "b"],
            targets: [["__address__": "127.0.10.3:10250", "instance": "worker-2"]])
        let targets = Target.targets([group], config: nodes, global: config.global)
        #expect(targets.active.map(\.url) == ["http://127.0.10.3:9100/metrics"])
        #expect(targets.active.first?.labels.dictionary == ["instance": "worker-2", "job": "node-exporter", "zone": "b"])

        // Without NODE_NAME the configuration is refused rather than watching the whole cluster.
        #expect(throws: ConfigError.self) { try PrometheusConfig.load(yaml: yaml, environment: [:]) }
    }
}
