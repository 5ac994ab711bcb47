import ArgumentParser
import MetricsModel
import Relabel

/// Relabel cost per target for the platform's pod rules.
struct RelabelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relabel",
        abstract: "Relabel ns per target for the platform's Kubernetes pod rules.")

    @Option(help: "Distinct targets per run.")
    var targets = 10_000

    @Option(help: "Timed runs after one warm-up.")
    var runs = 30

    func run() throws {
        // The platform's pod job, as its infrastructure document writes it.
        let rules = [
            try RelabelConfig(sourceLabels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true", action: .keep),
            try RelabelConfig(sourceLabels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"], regex: "(.+)", targetLabel: "__metrics_path__"),
            try RelabelConfig(
                sourceLabels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
                regex: #"([^:]+)(?::\d+)?;(\d+)"#, targetLabel: "__address__", replacement: "$1:$2"),
        ]
        // Discovered pod targets with the meta labels Kubernetes SD attaches (about 25 each);
        // three in four are annotated for scraping.
        let inputs: [Labels] = (0..<targets).map { i in
            var pairs: [String: String] = [
                "__address__": "10.\(i / 65536 % 256).\(i / 256 % 256).\(i % 256):8008",
                "__meta_kubernetes_namespace": "toolboxai",
                "__meta_kubernetes_pod_name": "api-\(i)",
                "__meta_kubernetes_pod_ip": "10.\(i / 65536 % 256).\(i / 256 % 256).\(i % 256)",
                "__meta_kubernetes_pod_uid": "uid-\(i)",
                "__meta_kubernetes_pod_node_name": "node-\(i % 50)",
                "__meta_kubernetes_pod_host_ip": "192.168.0.\(i % 50)",
                "__meta_kubernetes_pod_ready": "true",
                "__meta_kubernetes_pod_phase": "Running",
                "__meta_kubernetes_pod_label_app": "api",
                "__meta_kubernetes_pod_labelpresent_app": "true",
                "__meta_kubernetes_pod_label_pod_template_hash": "7d9f8c6b5",
                "__meta_kubernetes_pod_labelpresent_pod_template_hash": "true",
                "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
                "__meta_kubernetes_pod_controller_name": "api-7d9f8c6b5",
                "__meta_kubernetes_pod_container_name": "api",
                "__meta_kubernetes_pod_container_image": "toolboxai/api:1.4.2",
                "__meta_kubernetes_pod_container_init": "false",
                "__meta_kubernetes_pod_container_port_name": "http",
                "__meta_kubernetes_pod_container_port_number": "8008",
                "__meta_kubernetes_pod_container_port_protocol": "TCP",
                "__scheme__": "http",
                "__metrics_path__": "/metrics",
                "job": "kubernetes-pods",
            ]
            if i % 4 != 3 {
                pairs["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = "true"
                pairs["__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape"] = "true"
                pairs["__meta_kubernetes_pod_annotation_prometheus_io_port"] = "8008"
                pairs["__meta_kubernetes_pod_annotationpresent_prometheus_io_port"] = "true"
                if i % 2 == 0 { pairs["__meta_kubernetes_pod_annotation_prometheus_io_path"] = "/api/metrics" }
            }
            return Labels(pairs)
        }
        var kept = 0
        let times = Stopwatch.measure(runs: runs) {
            kept = 0
            for target in inputs where Relabeler.process(target, rules) != nil { kept += 1 }
        }
        print("targets: \(targets) (\(inputs.first?.count ?? 0) labels each), kept \(kept)")
        print("relabel, platform pod rules: \(Stopwatch.summary(times.map { $0 / Double(targets) }, unit: "ns/target"))")
    }
}
