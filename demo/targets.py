"""The demo's processes as Kubernetes discovery would describe them: file_sd target groups carrying
the `__meta_kubernetes_*` labels that the platform's relabel rules read."""


def pod(name: str, namespace: str, app: str, port: int | None, *, scrape: bool = True, path: str | None = None,
        phase: str = "Running") -> dict:
    labels = {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": name,
        "__meta_kubernetes_pod_phase": phase,
        "__meta_kubernetes_pod_ip": "127.0.0.1",
        "__meta_kubernetes_pod_node_name": "demo-node",
        "__meta_kubernetes_pod_label_app": app,
    }
    if scrape:
        labels["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = "true"
        labels["__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape"] = "true"
    if port is not None:
        labels["__meta_kubernetes_pod_annotation_prometheus_io_port"] = str(port)
    if path is not None:
        labels["__meta_kubernetes_pod_annotation_prometheus_io_path"] = path
    # A pod target's address is the pod IP, with the container port when one is declared.
    return {"targets": ["127.0.0.1"], "labels": labels}


def pods(ports: dict) -> list:
    return [
        pod("api-7d4b9c-x2k4p", "toolboxai", "api", ports["api"]),
        pod("websocket-5f8c7b-q9w2m", "toolboxai", "websocket", ports["websocket"]),
        pod("agent-worker-6c9d8f-h7j3n", "toolboxai", "agent-worker", ports["worker"]),
        pod("redis-0", "toolboxai-data", "redis", ports["redis_exporter"]),
        pod("postgres-0", "toolboxai-data", "postgres", ports["postgres_exporter"]),
        # Not annotated: the keep rule drops it.
        pod("dashboard-nginx-8b6f5d-m4r8t", "toolboxai", "dashboard", 8080, scrape=False),
        # A finished migration job's pod keeps its annotations: the phase rule drops it.
        pod("db-migrate-28391-vx6pl", "toolboxai", "db-migrate", ports["api"], phase="Succeeded"),
    ]


def nodes() -> list:
    return [{
        # role: node gives the kubelet's address; the relabel rules move it to node-exporter's :9100.
        "targets": ["127.0.0.1:10250"],
        "labels": {
            "__meta_kubernetes_node_name": "demo-node",
            "__meta_kubernetes_node_label_kubernetes_io_hostname": "demo-node",
            "__meta_kubernetes_node_label_kubernetes_io_os": "linux",
            "__meta_kubernetes_node_label_topology_kubernetes_io_zone": "loopback-a",
            "__meta_kubernetes_node_address_InternalIP": "127.0.0.1",
        },
    }]
