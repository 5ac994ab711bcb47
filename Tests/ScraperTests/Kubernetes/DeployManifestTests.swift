import Config
import Foundation
import Testing
import Yams

@testable import Scraper

/// `deploy/kubernetes/base`: its objects are what a DaemonSet needs, and its configuration (and the
/// agents' in `components/agent`) loads with node-local selectors. Rendering and schema validation
/// of every overlay is `scripts/check-deploy`, run by the repository checks.
@Suite("Deploy manifests")
struct DeployManifestTests {
    static let kubernetes = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/kubernetes")

    static func documents() throws -> [[String: Any]] {
        try ["namespace.yaml", "rbac.yaml", "daemonset.yaml"].flatMap { name in
            let text = try String(contentsOf: kubernetes.appendingPathComponent("base/" + name), encoding: .utf8)
            return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
        }
    }

    static func configuration(_ path: String) throws -> String {
        try String(contentsOf: kubernetes.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("the base holds the namespace, RBAC and DaemonSet, and generates the config")
    func objects() throws {
        let kinds = try Self.documents().compactMap { $0["kind"] as? String }
        #expect(kinds == ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"])
        #expect(try Self.configuration("base/kustomization.yaml").contains("files: [prometheus.yml]"))
        let role = try #require(try Self.documents().first { $0["kind"] as? String == "ClusterRole" })
        let rules = role["rules"] as? [[String: Any]] ?? []
        #expect(rules.flatMap { $0["resources"] as? [String] ?? [] }.sorted() == ["nodes", "pods"])
        #expect(rules.flatMap { $0["verbs"] as? [String] ?? [] }.sorted() == ["get", "list", "watch"])
    }

    @Test("the agents' configuration has the base's scrape jobs, ships to $(REMOTE_WRITE_URL) and labels with the cluster and the pod")
    func agentConfiguration() throws {
        let environment = ["NODE_NAME": "worker-2", "POD_NAME": "metricsd-abcde", "CLUSTER_NAME": "toolboxai", "REMOTE_WRITE_URL": "http://vminsert:8480/insert/0/prometheus/api/v1/write"]
        let agent = try PrometheusConfig.load(yaml: try Self.configuration("components/agent/prometheus.yml"), environment: environment)
        let base = try PrometheusConfig.load(yaml: try Self.configuration("base/prometheus.yml"), environment: environment)
        #expect(agent.scrapeConfigs == base.scrapeConfigs)
        #expect(agent.remoteWrite.map(\.url) == ["http://vminsert:8480/insert/0/prometheus/api/v1/write"])
        #expect(agent.global.externalLabels == ["cluster": "toolboxai", "replica": "metricsd-abcde"])
        #expect(agent.ruleFiles.isEmpty && agent.alerting.alertmanagers.isEmpty, "agent mode refuses rule files and alerting")
    }

    @Test("the base configuration loads, selects this node's pods and node, and scrapes node-exporter on :9100")
    func configuration() throws {
        let yaml = try Self.configuration("base/prometheus.yml")
        let config = try PrometheusConfig.load(yaml: yaml, source: "prometheus.yml", environment: ["NODE_NAME": "worker-2"])
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
