/// Role `pod`: one group per pod, one target per container port (Prometheus's `buildPod`).
enum PodTargets {
    static func source(namespace: String, name: String) -> String { "pod/\(namespace)/\(name)" }

    /// What `attach_metadata` adds from other objects, looked up by the caller's stores.
    struct Attached {
        var node: [String: String] = [:]
        var namespace: [String: String] = [:]
        var controllerNames: [String: String] = [:]
    }

    /// The pod's group. A pod without an IP yields an empty group, which removes its earlier targets.
    static func group(_ pod: Kubernetes.Pod, attached: Attached = Attached()) -> TargetGroup {
        let p = MetaLabels.prefix
        let namespace = pod.metadata.namespace ?? ""
        var group = TargetGroup(source: source(namespace: namespace, name: pod.metadata.name))
        guard let ip = pod.status?.podIP, !ip.isEmpty else { return group }

        var labels: [String: String] = [
            "\(p)namespace": namespace,
            "\(p)pod_name": pod.metadata.name,
            "\(p)pod_ip": ip,
            "\(p)pod_ready": ready(pod),
            "\(p)pod_phase": pod.status?.phase ?? "",
            "\(p)pod_node_name": pod.spec?.nodeName ?? "",
            "\(p)pod_host_ip": pod.status?.hostIP ?? "",
            "\(p)pod_uid": pod.metadata.uid ?? "",
        ]
        if let controller = pod.metadata.controller {
            if let kind = controller.kind, !kind.isEmpty { labels["\(p)pod_controller_kind"] = kind }
            if let name = controller.name, !name.isEmpty { labels["\(p)pod_controller_name"] = name }
        }
        MetaLabels.addObjectMeta(pod.metadata, role: "pod", to: &labels)
        for extra in [attached.node, attached.namespace, attached.controllerNames] {
            labels.merge(extra) { _, new in new }
        }
        group.labels = labels

        let containers = (pod.spec?.containers ?? []).map { ($0, false) } + (pod.spec?.initContainers ?? []).map { ($0, true) }
        for (container, isInit) in containers {
            let statuses = (isInit ? pod.status?.initContainerStatuses : pod.status?.containerStatuses) ?? []
            let base: [String: String] = [
                "\(p)pod_container_name": container.name,
                "\(p)pod_container_image": container.image ?? "",
                "\(p)pod_container_init": isInit ? "true" : "false",
                "\(p)pod_container_id": statuses.first { $0.name == container.name }?.containerID ?? "",
            ]
            let ports = container.ports ?? []
            if ports.isEmpty {
                // No declared port: the target is the bare pod IP; relabeling has to add one.
                group.targets.append(base.merging(["__address__": ip]) { _, new in new })
                continue
            }
            for port in ports {
                group.targets.append(base.merging([
                    "__address__": MetaLabels.joinHostPort(ip, port.containerPort),
                    "\(p)pod_container_port_name": port.name ?? "",
                    "\(p)pod_container_port_number": String(port.containerPort),
                    "\(p)pod_container_port_protocol": port.protocol ?? "",
                ]) { _, new in new })
            }
        }
        return group
    }

    /// The Ready condition lower-cased, `unknown` without one.
    static func ready(_ pod: Kubernetes.Pod) -> String {
        pod.status?.conditions?.first { $0.type == "Ready" }?.status.lowercased() ?? "unknown"
    }
}
