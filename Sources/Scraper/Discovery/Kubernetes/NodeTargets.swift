/// Role `node`: one target per node, at its kubelet port (Prometheus's `buildNode`).
enum NodeTargets {
    static func source(name: String) -> String { "node/\(name)" }

    /// Address types in the order Prometheus picks the target address from.
    static let addressOrder = ["InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "LegacyHostIP", "Hostname"]

    /// The node's group, or nil when the node has no usable address (Prometheus then sends nothing).
    static func group(_ node: Kubernetes.Node) -> TargetGroup? {
        let p = MetaLabels.prefix
        var labels: [String: String] = [
            "\(p)node_name": node.metadata.name,
            "\(p)node_provider_id": node.spec?.providerID ?? "",
        ]
        for condition in node.status?.conditions ?? [] {
            labels["\(p)node_condition_\(MetaLabels.sanitize(condition.type.lowercased()))"] = condition.status.lowercased()
        }
        MetaLabels.addObjectMeta(node.metadata, role: "node", to: &labels)

        var firstByType: [String: String] = [:]
        for address in node.status?.addresses ?? [] where firstByType[address.type] == nil {
            firstByType[address.type] = address.address
        }
        guard let address = addressOrder.lazy.compactMap({ firstByType[$0] }).first else { return nil }
        let port = node.status?.daemonEndpoints?.kubeletEndpoint?.port ?? 0
        var target: [String: String] = [
            "__address__": MetaLabels.joinHostPort(address, port),
            "instance": node.metadata.name,
        ]
        for (type, value) in firstByType {
            target[MetaLabels.sanitize("\(p)node_address_\(type)")] = value
        }
        return TargetGroup(source: source(name: node.metadata.name), labels: labels, targets: [target])
    }

    /// The `__meta_kubernetes_node_*` labels `attach_metadata: {node: true}` adds to pod groups.
    static func podMetadata(_ node: Kubernetes.Node) -> [String: String] {
        var labels = ["\(MetaLabels.prefix)node_name": node.metadata.name]
        MetaLabels.addObjectMeta(node.metadata, role: "node", to: &labels)
        return labels
    }
}
