import Config
import Foundation

/// The objects one `kubernetes_sd_configs` entry has seen (client-go's informer stores), and the
/// target groups they produce. Pure and synchronous: the HTTP reflectors feed it, and the conformance
/// tests drive it directly.
struct KubernetesStore: Sendable {
    /// The API resources a configuration watches.
    enum Resource: String, Sendable, CaseIterable {
        case pods, nodes, namespaces, replicasets, jobs

        /// The `role` label of `prometheus_sd_kubernetes_events_total`.
        var role: String { String(rawValue.dropLast()) }

        /// The list/watch path, cluster-wide or within `namespace`.
        func path(namespace: String?) -> String {
            let base: String
            switch self {
            case .pods, .nodes, .namespaces: base = "/api/v1"
            case .replicasets: base = "/apis/apps/v1"
            case .jobs: base = "/apis/batch/v1"
            }
            if let namespace, self != .nodes, self != .namespaces { return "\(base)/namespaces/\(namespace)/\(rawValue)" }
            return "\(base)/\(rawValue)"
        }
    }

    enum Change: Sendable, Equatable {
        case upsert
        case delete
    }

    let config: KubernetesSDConfig
    private(set) var pods: [String: Kubernetes.Pod] = [:]
    private(set) var nodes: [String: Kubernetes.Node] = [:]
    private var namespaces: [String: Kubernetes.ObjectMeta] = [:]
    private var replicaSets: [String: Kubernetes.ObjectMeta] = [:]
    private var jobs: [String: Kubernetes.ObjectMeta] = [:]

    init(config: KubernetesSDConfig) {
        self.config = config
    }

    /// The resources to list and watch for this configuration.
    var resources: [Resource] {
        switch config.role {
        case .node: return [.nodes]
        case .pod:
            var resources: [Resource] = [.pods]
            if config.attachMetadata.node { resources.append(.nodes) }
            if config.attachMetadata.namespace { resources.append(.namespaces) }
            if config.attachMetadata.deployment { resources.append(.replicasets) }
            if config.attachMetadata.job || config.attachMetadata.cronjob { resources.append(.jobs) }
            return resources
        }
    }

    /// Applies one object change and returns the groups it alters.
    mutating func apply(_ change: Change, _ resource: Resource, object: [UInt8]) throws -> [TargetGroup] {
        switch resource {
        case .pods:
            let pod = try Self.decoder.decode(Kubernetes.Pod.self, from: object)
            return [apply(change, pod: pod)]
        case .nodes:
            return apply(change, node: try Self.decoder.decode(Kubernetes.Node.self, from: object))
        case .namespaces, .replicasets, .jobs:
            return apply(change, resource, meta: try Self.decoder.decode(Kubernetes.Object.self, from: object).metadata)
        }
    }

    /// Replaces a resource's store after a (re)list of `namespace` (nil: all namespaces); returns groups
    /// for changed and vanished objects.
    mutating func replace(_ resource: Resource, namespace: String? = nil, objects: [[UInt8]]) throws -> [TargetGroup] {
        var groups: [TargetGroup] = []
        func inScope(_ meta: Kubernetes.ObjectMeta) -> Bool { namespace == nil || meta.namespace == namespace }
        switch resource {
        case .pods:
            let listed = try objects.map { try Self.decoder.decode(Kubernetes.Pod.self, from: $0) }
            let keep = Set(listed.map(\.metadata.key))
            for (key, pod) in pods where !keep.contains(key) && inScope(pod.metadata) { groups.append(apply(.delete, pod: pod)) }
            for pod in listed where pods[pod.metadata.key] != pod { groups.append(apply(.upsert, pod: pod)) }
        case .nodes:
            let listed = try objects.map { try Self.decoder.decode(Kubernetes.Node.self, from: $0) }
            let keep = Set(listed.map(\.metadata.name))
            for (name, node) in nodes where !keep.contains(name) { groups += apply(.delete, node: node) }
            for node in listed where nodes[node.metadata.name] != node { groups += apply(.upsert, node: node) }
        case .namespaces, .replicasets, .jobs:
            let listed = try objects.map { try Self.decoder.decode(Kubernetes.Object.self, from: $0).metadata }
            let existing = metaStore(resource)
            let keep = Set(listed.map(\.key))
            for (key, meta) in existing where !keep.contains(key) && inScope(meta) { groups += apply(.delete, resource, meta: meta) }
            for meta in listed where existing[meta.key] != meta { groups += apply(.upsert, resource, meta: meta) }
        }
        return groups
    }

    /// Every current group (what a new consumer needs first).
    func allGroups() -> [TargetGroup] {
        switch config.role {
        case .pod: return pods.values.map(group(for:))
        case .node: return nodes.values.compactMap(NodeTargets.group)
        }
    }

    private mutating func apply(_ change: Change, pod: Kubernetes.Pod) -> TargetGroup {
        let key = pod.metadata.key
        switch change {
        case .delete:
            pods[key] = nil
            return TargetGroup(source: PodTargets.source(namespace: pod.metadata.namespace ?? "", name: pod.metadata.name))
        case .upsert:
            pods[key] = pod
            return group(for: pod)
        }
    }

    private mutating func apply(_ change: Change, node: Kubernetes.Node) -> [TargetGroup] {
        let name = node.metadata.name
        switch change {
        case .delete: nodes[name] = nil
        case .upsert: nodes[name] = node
        }
        switch config.role {
        case .node:
            if change == .delete { return [TargetGroup(source: NodeTargets.source(name: name))] }
            return NodeTargets.group(node).map { [$0] } ?? []
        case .pod:
            // attach_metadata.node: the pods on this node carry its labels.
            return podGroups { $0.spec?.nodeName == name }
        }
    }

    private mutating func apply(_ change: Change, _ resource: Resource, meta: Kubernetes.ObjectMeta) -> [TargetGroup] {
        var store = metaStore(resource)
        store[meta.key] = change == .delete ? nil : meta
        switch resource {
        case .namespaces:
            namespaces = store
            return podGroups { $0.metadata.namespace == meta.name }
        case .replicasets:
            replicaSets = store
            return podGroups { pod in
                pod.metadata.namespace == meta.namespace && pod.metadata.controller?.kind == "ReplicaSet"
                    && pod.metadata.controller?.name == meta.name
            }
        case .jobs:
            jobs = store
            return podGroups { pod in
                pod.metadata.namespace == meta.namespace && pod.metadata.controller?.kind == "Job" && pod.metadata.controller?.name == meta.name
            }
        case .pods, .nodes:
            preconditionFailure("pods and nodes have their own stores")
        }
    }

    private func metaStore(_ resource: Resource) -> [String: Kubernetes.ObjectMeta] {
        switch resource {
        case .namespaces: return namespaces
        case .replicasets: return replicaSets
        case .jobs: return jobs
        case .pods, .nodes: return [:]
        }
    }

    private func podGroups(where predicate: (Kubernetes.Pod) -> Bool) -> [TargetGroup] {
        pods.values.filter(predicate).sorted { $0.metadata.key < $1.metadata.key }.map(group(for:))
    }

    /// The pod's group with whatever `attach_metadata` asks for.
    func group(for pod: Kubernetes.Pod) -> TargetGroup {
        let attach = config.attachMetadata
        var attached = PodTargets.Attached()
        let p = MetaLabels.prefix
        if attach.node {
            // A pod whose node is not in the (possibly selector-filtered) node store is not on a
            // watched node: it yields an empty group, as in Prometheus.
            guard let nodeName = pod.spec?.nodeName, let node = nodes[nodeName] else {
                return TargetGroup(source: PodTargets.source(namespace: pod.metadata.namespace ?? "", name: pod.metadata.name))
            }
            attached.node = NodeTargets.podMetadata(node)
        }
        let namespace = pod.metadata.namespace ?? ""
        if attach.namespace, let meta = namespaces[namespace] {
            MetaLabels.addObjectMeta(meta, role: "namespace", to: &attached.namespace)
        }
        if let controller = pod.metadata.controller, let kind = controller.kind, let name = controller.name {
            if kind == "ReplicaSet", attach.deployment, let replicaSet = replicaSets["\(namespace)/\(name)"],
                let owner = replicaSet.controller, owner.kind == "Deployment", let deployment = owner.name
            {
                attached.controllerNames["\(p)pod_deployment_name"] = deployment
            }
            if kind == "Job" {
                if attach.job { attached.controllerNames["\(p)pod_job_name"] = name }
                if attach.cronjob, let job = jobs["\(namespace)/\(name)"], let owner = job.controller, owner.kind == "CronJob",
                    let cronJob = owner.name
                {
                    attached.controllerNames["\(p)pod_cronjob_name"] = cronJob
                }
            }
        }
        return PodTargets.group(pod, attached: attached)
    }

    static let decoder = JSONBytesDecoder()
}

/// Decodes API objects from raw bytes.
struct JSONBytesDecoder: Sendable {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
