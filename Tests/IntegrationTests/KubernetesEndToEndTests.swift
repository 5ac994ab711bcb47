import Foundation
import Hummingbird
import Testing
import ServerTestSupport
import TestSupport

/// The shipped metricsd against the fake Kubernetes API serving the platform fixtures, with mock
/// exporters bound on the fixtures' loopback pod and node IPs.
@Suite("metricsd with Kubernetes discovery", .serialized)
struct KubernetesEndToEndTests {
    /// Serves `fixture_metric{address="<ip:port>"} 1` on every path, so path annotations are visible.
    static func startExporter(host: String, port: Int) async throws -> TestServer {
        try await startTextExporter(host: host, port: port) { path in
            "# TYPE fixture_metric gauge\nfixture_metric{address=\"\(host):\(port)\",path=\"\(path)\"} 1\n"
        }
    }

    /// Runs the built `tsq` and returns what it printed.
    static func tsq(_ arguments: [String]) throws -> String {
        try runProcess(ServerProcess.binary("tsq"), arguments).output
    }

    /// The addresses (and paths) the platform config keeps, from the golden files.
    static func keptTargets(_ file: String) throws -> Set<String> {
        Set(try KubernetesFixtures.expected(file).compactMap { entry -> String? in
            guard entry["duplicateOf"] == nil, let labels = entry["labels"] as? [String: String] else { return nil }
            return "\(labels["__address__"] ?? "")\(labels["__metrics_path__"] ?? "")"
        })
    }

    /// `address+path` of every `fixture_metric` series whose latest sample is fresh, from the query API.
    static func scraped(_ base: String) async -> Set<String> {
        guard let (status, body) = await httpGet(base + "/api/v1/query?query=fixture_metric"), status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return [] }
        return Set(result.compactMap { series in
            guard let metric = series["metric"] as? [String: String], metric["job"] == "kubernetes-pods" else { return nil }
            return "\(metric["address"] ?? "")\(metric["path"] ?? "")"
        })
    }

    @Test("discovered pods are scraped, the scripted watch events change the targets and gone ones go stale", SharedConformance.required)
    func platformConfigEndToEnd() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let api = FakeKubernetesAPI(cluster: cluster)
        try await api.start()
        defer { api.stop() }

        let initial = try Self.keptTargets("targets-kubernetes-pods-initial.json")
        let after = try Self.keptTargets("targets-kubernetes-pods-after-events.json")
        let nodes = try Self.keptTargets("targets-node-exporter-initial.json")
        var exporters: [TestServer] = []
        defer { for exporter in exporters { exporter.cancel() } }
        var bound = Set<String>()
        for target in initial.union(after).union(nodes) {
            let address = String(target.prefix { $0 != "/" })
            guard bound.insert(address).inserted, let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
                continue
            }
            exporters.append(try await Self.startExporter(host: String(address[..<colon]), port: port))
        }

        let port = ServerProcess.freePort()
        let directory = try makeTemporaryDirectory("metricsd-k8s")
        defer { removeTemporaryDirectory(directory) }
        let config = directory.appendingPathComponent("prometheus.yml")
        // The platform's config, with the port regex quoted and an explicit API server.
        try """
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 15s}
            scrape_configs:
            - job_name: 'kubernetes-pods'
              kubernetes_sd_configs: [{role: pod, api_server: '\(api.baseURL)'}]
              relabel_configs:
              - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: true}
              - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path], action: replace, target_label: __metrics_path__, regex: (.+)}
              - {source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], action: replace, regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: $1:$2, target_label: __address__}
            - job_name: 'node-exporter'
              kubernetes_sd_configs: [{role: node, api_server: '\(api.baseURL)'}]
              relabel_configs: [{action: labelmap, regex: __meta_kubernetes_node_label_(.+)}]
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            "metricsd",
            arguments: [
                "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)",
                "--storage.tsdb.path", directory.appendingPathComponent("data").path,
            ])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"

        let initialScraped = await eventually(within: 30) { await Self.scraped(base) == initial }
        let seenInitially = await Self.scraped(base)
        #expect(initialScraped, "initial targets: \(seenInitially)")
        let allUp = await eventually(within: 20) {
            guard let (_, body) = await httpGet(base + "/api/v1/targets?state=active") else { return false }
            return body.components(separatedBy: #""health":"up""#).count - 1 == initial.count + nodes.count
        }
        #expect(allUp)
        let (_, dropped) = try #require(await httpGet(base + "/api/v1/targets?state=dropped"))
        #expect(dropped.contains("redis-6b7c9d8f5-zz9kq"))

        // `tsq targets --explain` says which rule dropped redis and how the dashboard's address was rewritten,
        // both from the running server and from the config file with discovery run once.
        let fromServer = try Self.tsq(["targets", "--url", base, "--explain", "kubernetes-pods"])
        #expect(fromServer.contains("kubernetes-pods 127.10.1.41:6379  DROPPED"), "\(fromServer)")
        #expect(fromServer.contains(#"step 1 keep [__meta_kubernetes_pod_annotation_prometheus_io_scrape] regex "true": DROPPED (source value "false")"#))
        #expect(fromServer.contains(#"__address__: "127.10.2.51:80" → "127.10.2.51:9113""#))
        // The server lists unique targets: 9 kept (duplicates merged) and the 2 dropped.
        #expect(fromServer.hasSuffix("9 kept, 2 dropped\n"))
        let fromConfig = try Self.tsq(["targets", "--config.file", config.path, "--explain", "kubernetes-pods"])
        #expect(fromConfig.contains(#"step 1 keep [__meta_kubernetes_pod_annotation_prometheus_io_scrape] regex "true": DROPPED (source value "false")"#), "\(fromConfig)")
        // Run here, every discovered target is explained: 18, of which redis and mailer are dropped.
        #expect(fromConfig.hasSuffix("16 kept, 2 dropped\n"))

        try KubernetesFixtures.applyEvents("watch-pods.jsonl", to: cluster, resource: "pods")
        // After the events the kept set changes; the deleted websocket pod's series are marked stale
        // and vanish from instant queries at once.
        let afterScraped = await eventually(within: 30) { await Self.scraped(base) == after }
        let seenAfter = await Self.scraped(base)
        #expect(afterScraped, "after events: \(seenAfter)")
        let gone = initial.subtracting(after)
        #expect(!gone.isEmpty)
        #expect(await httpGet(base + "/api/v1/query?query=up%7Binstance%3D%22127.10.2.21%3A9876%22%7D")?.1.contains(#""result":[]"#) == true)
        #expect(server.stop() == 0)
    }
}
