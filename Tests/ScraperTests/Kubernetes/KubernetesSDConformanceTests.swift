import Config
import Foundation
import Testing
import ServerTestSupport
import TestSupport

@testable import Scraper

/// Replays Prometheus's own pod and node discovery unit tests (`../shared/conformance/k8s_sd_cases.json`)
/// through the discovery store, with a fake cluster doing the API server's namespace and selector filtering.
@Suite("Kubernetes discovery conformance")
struct KubernetesSDConformanceTests {
    @Test("Prometheus's pod and node discovery cases produce its target groups", SharedConformance.required)
    func upstreamCases() throws {
        let file = try SharedConformance.json("k8s_sd_cases.json")
        let cases = file["cases"] as? [[String: Any]] ?? []
        var failures: [String] = []
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            do {
                let got = try Self.run(testCase)
                let expected = (testCase["expected_groups"] as? [String: [String: Any]] ?? [:]).mapValues(Self.group)
                if got != expected {
                    failures.append("\(name):\n  expected \(Self.render(expected))\n  got      \(Self.render(got))")
                }
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        SharedConformance.report("k8s_sd_cases", passed: cases.count - failures.count, total: cases.count)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(cases.count >= 28)
    }

    /// Starts discovery on the case's initial objects, applies its events, and returns the last group per source.
    static func run(_ testCase: [String: Any]) throws -> [String: TargetGroup] {
        let configData = try JSONSerialization.data(withJSONObject: testCase["config"] ?? [:])
        let config = try JSONDecoder().decode(KubernetesSDConfig.self, from: configData)
        let cluster = FakeCluster()
        for object in testCase["initial_objects"] as? [[String: Any]] ?? [] { cluster.seed(object) }

        var namespaces: [String?] = config.namespaces.names
        if config.namespaces.ownNamespace { namespaces.append(testCase["own_namespace"] as? String ?? "default") }
        if namespaces.isEmpty { namespaces = [nil] }

        var store = KubernetesStore(config: config)
        var last: [String: TargetGroup] = [:]
        func record(_ groups: [TargetGroup]) {
            for group in groups { last[group.source] = group }
        }
        func filters(_ resource: KubernetesStore.Resource) throws -> [FakeCluster.Filter] {
            let selectorRole: KubernetesSDConfig.Role? = resource == .pods ? .pod : resource == .nodes ? .node : nil
            let selector = selectorRole.flatMap(config.selector(for:))
            let scoped = resource == .pods || resource == .replicasets || resource == .jobs
            return try (scoped ? namespaces : [nil]).map {
                try FakeCluster.Filter(namespace: $0, label: selector?.label ?? "", field: selector?.field ?? "")
            }
        }
        var watchedFrom: [KubernetesStore.Resource: Int] = [:]
        for resource in store.resources {
            let objects = try filters(resource).flatMap { cluster.list(resource.rawValue, filter: $0) }
            record(try store.replace(resource, objects: objects.map { Array($0) }))
            watchedFrom[resource] = cluster.resourceVersion
        }
        for event in testCase["events"] as? [[String: Any]] ?? [] {
            guard let object = event["object"] as? [String: Any] else { continue }
            let type = ["create": "ADDED", "update": "MODIFIED", "delete": "DELETED"][event["op"] as? String ?? ""] ?? "MODIFIED"
            cluster.apply(type: type, object: object)
        }
        for resource in store.resources {
            for filter in try filters(resource) {
                for event in cluster.events(resource.rawValue, after: watchedFrom[resource] ?? 0, filter: filter) where event.type != "BOOKMARK" {
                    record(try store.apply(event.type == "DELETED" ? .delete : .upsert, resource, object: Array(event.object)))
                }
            }
        }
        return last
    }

    static func group(_ json: [String: Any]) -> TargetGroup {
        TargetGroup(
            source: json["source"] as? String ?? "",
            labels: json["labels"] as? [String: String] ?? [:],
            targets: json["targets"] as? [[String: String]] ?? [])
    }

    static func render(_ groups: [String: TargetGroup]) -> String {
        groups.sorted { $0.key < $1.key }.map { "\($0.key): labels=\($0.value.labels.sorted { $0.key < $1.key }) targets=\($0.value.targets)" }
            .joined(separator: "; ")
    }
}
