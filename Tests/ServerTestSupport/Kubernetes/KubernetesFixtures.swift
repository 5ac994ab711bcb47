import Foundation
import TestSupport

/// The 3-node platform in `../shared/conformance/k8s/`: loads it into a `FakeCluster` and reads the
/// golden files. Everything is read in place from `../shared`.
package enum KubernetesFixtures {
    package static var directory: URL? { SharedConformance.directory?.appendingPathComponent("k8s") }

    package static func data(_ name: String) throws -> Data {
        guard let directory else { throw SharedConformance.MissingMaterial(name: "k8s/\(name)") }
        return try Data(contentsOf: directory.appendingPathComponent(name))
    }

    /// A cluster holding `pods.json`, `nodes.json` and `namespaces.json` at resourceVersion 100200.
    package static func cluster() throws -> FakeCluster {
        let cluster = FakeCluster()
        try cluster.load(list: data("pods.json"), resource: "pods")
        try cluster.load(list: data("nodes.json"), resource: "nodes")
        try cluster.load(list: data("namespaces.json"), resource: "namespaces")
        return cluster
    }

    /// Applies a `watch-*.jsonl` script to the cluster, as if the changes happened now.
    package static func applyEvents(_ name: String, to cluster: FakeCluster, resource: String) throws {
        let text = String(decoding: try data(name), as: UTF8.self)
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let type = event["type"] as? String, let object = event["object"] as? [String: Any]
            else { continue }
            cluster.apply(type: type, object: object, resource: resource)
        }
    }

    /// A golden JSON array from `expected/`.
    package static func expected(_ name: String) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: data("expected/\(name)")) as? [[String: Any]] ?? []
    }
}
