@testable import Config
import Foundation
import MetricsModel
import Testing
import ServerTestSupport
import TestSupport

@testable import Scraper

/// The platform's monitoring config applied to the fixture cluster's groups gives the golden targets.
@Suite("Platform scrape config over discovered targets")
struct PlatformTargetsTests {
    /// The issue's platform config, with the port regex quoted (unquoted it is not valid YAML) and the
    /// global interval left at its default, as the golden files assume.
    static let platformYAML = """
        scrape_configs:
        - job_name: 'kubernetes-pods'
          kubernetes_sd_configs: [{role: pod}]
          relabel_configs:
          - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: true}
          - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path], action: replace, target_label: __metrics_path__, regex: (.+)}
          - {source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], action: replace, regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: $1:$2, target_label: __address__}
        - job_name: 'node-exporter'
          kubernetes_sd_configs: [{role: node}]
          relabel_configs: [{action: labelmap, regex: __meta_kubernetes_node_label_(.+)}]
        """

    static let cases: [(job: String, groups: String, targets: String)] = [
        ("kubernetes-pods", "tg-pod-initial.json", "targets-kubernetes-pods-initial.json"),
        ("kubernetes-pods", "tg-pod-after-events.json", "targets-kubernetes-pods-after-events.json"),
        ("node-exporter", "tg-node-initial.json", "targets-node-exporter-initial.json"),
        ("node-exporter", "tg-node-after-events.json", "targets-node-exporter-after-events.json"),
    ]

    @Test("relabeling the golden groups keeps, drops and deduplicates the golden targets", SharedConformance.required, arguments: 0..<4)
    func goldenTargets(_ index: Int) throws {
        let (job, groupsFile, targetsFile) = Self.cases[index]
        let config = try PrometheusConfig.load(yaml: Self.platformYAML)
        let scrape = try #require(config.scrapeConfigs.first { $0.jobName == job })
        let groups = try KubernetesFixtures.expected(groupsFile).map(KubernetesSDConformanceTests.group)
        let result = Target.targets(groups, config: scrape, global: config.global)
        #expect(result.errors.isEmpty)

        let expected = try KubernetesFixtures.expected(targetsFile)
        let kept = expected.filter { $0["labels"] is [String: String] && $0["duplicateOf"] == nil }
        let dropped = expected.filter { !($0["labels"] is [String: String]) }
        #expect(result.active.count == kept.count)
        #expect(result.dropped.count == dropped.count)
        for (target, golden) in zip(result.active, kept) {
            let labels = golden["labels"] as? [String: String] ?? [:]
            #expect(target.discoveredLabels.dictionary == golden["discoveredLabels"] as? [String: String])
            #expect(target.labels.dictionary == labels.filter { !$0.key.hasPrefix("__") })
            #expect(target.url == "\(labels["__scheme__"] ?? "")://\(labels["__address__"] ?? "")\(labels["__metrics_path__"] ?? "")")
        }
        #expect(Set(result.dropped.map(\.dictionary)) == Set(dropped.compactMap { $0["discoveredLabels"] as? [String: String] }))
    }

    @Test("the platform config loads; unquoted, its port regex is a YAML error with a line number")
    func platformConfigLoads() throws {
        let config = try PrometheusConfig.load(yaml: Self.platformYAML)
        #expect(config.scrapeConfigs.map(\.discovery.kubernetesSDConfigs.first?.role) == [.pod, .node])
        let unquoted = Self.platformYAML.replacingOccurrences(of: "'([^:]+)(?::\\d+)?;(\\d+)'", with: "([^:]+)(?::\\d+)?;(\\d+)")
        #expect(throws: ConfigError.self) { try PrometheusConfig.load(yaml: unquoted) }
    }

    @Test("discovery settings are checked at load", arguments: [
        ("kubernetes_sd_configs: [{role: endpoints}]", "not supported"),
        ("kubernetes_sd_configs: [{role: pod, selectors: [{role: pod, label: 'app in (a'}]}]", "label selector"),
        ("kubernetes_sd_configs: [{role: pod, selectors: [{role: pod, field: 'spec.nodeName'}]}]", "field selector"),
        ("kubernetes_sd_configs: [{role: node, selectors: [{role: pod, field: 'spec.nodeName=a'}]}]", "only node selectors"),
        ("kubernetes_sd_configs: [{role: pod, bearer_token_file: /t}]", "api_server"),
        ("kubernetes_sd_configs: [{role: pod, api_server: 'not a url'}]", "api_server"),
        ("kubernetes_sd_configs: [{role: pod, namespace: [a]}]", "field namespace not found"),
        ("file_sd_configs: [{files: [targets.txt]}]", "not valid for file discovery"),
        ("kubernetes_sd_configs: [{role: pod, selectors: [{role: pod, field: 'spec.nodeName=$(TOOLBOX_SURELY_UNSET_VAR)'}]}]", "TOOLBOX_SURELY_UNSET_VAR is not set"),
    ])
    func invalidDiscovery(_ snippet: String, _ message: String) {
        let yaml = "scrape_configs:\n- job_name: j\n  \(snippet)\n"
        do {
            _ = try PrometheusConfig.load(yaml: yaml)
            Issue.record("loaded: \(snippet)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("$(NAME) and ${NAME} in selectors expand from the environment")
    func environmentExpansion() throws {
        let environment = ["NODE_NAME": "worker-2", "ZONE": "a"]
        #expect(try EnvironmentExpansion.expand("spec.nodeName=$(NODE_NAME)", environment: environment) == "spec.nodeName=worker-2")
        #expect(try EnvironmentExpansion.expand("z=${ZONE},n=$(NODE_NAME)", environment: environment) == "z=a,n=worker-2")
        #expect(try EnvironmentExpansion.expand("price=$5", environment: environment) == "price=$5")
        #expect(throws: EnvironmentExpansion.UnsetVariable.self) { try EnvironmentExpansion.expand("$(MISSING)", environment: environment) }
    }

    @Test("label selectors match as the API server does", arguments: [
        ("app=web", ["app": "web"], true), ("app=web", ["app": "db"], false), ("app!=web", [:], true),
        ("tier in (a, b)", ["tier": "b"], true), ("tier notin (a,b)", ["tier": "b"], false), ("canary", [:], false),
        ("!canary", [:], true), ("app==web,tier=x", ["app": "web", "tier": "x"], true),
    ])
    func labelSelectorMatching(_ selector: String, _ labels: [String: String], _ matches: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == matches)
    }
}
