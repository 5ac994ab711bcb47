import AsyncHTTPClient
import Config
import Foundation
import Logging
import Synchronization
import Testing
import ServerTestSupport
import TestSupport

@testable import Scraper

/// Drives the real list/watch discovery against the fake API server serving the platform fixtures.
@Suite("Kubernetes discovery over HTTP", .serialized)
struct KubernetesDiscoveryHTTPTests {
    /// Collects the last group per source that discovery sent.
    final class Collector: Sendable {
        let groups = Mutex([String: TargetGroup]())
        func record(_ batch: [TargetGroup]) {
            groups.withLock { for group in batch { $0[group.source] = group } }
        }
        var snapshot: [String: TargetGroup] { groups.withLock { $0 } }
    }

    struct Running {
        let api: FakeKubernetesAPI
        let discovery: KubernetesDiscovery
        let collector: Collector
        let task: Task<Void, Never>
        let client: HTTPClient

        func stop() async throws {
            task.cancel()
            await task.value
            // The client goes first: a server task cancelled while a connection it accepted is still
            // queued traps in NIO ("Deinited NIOAsyncWriter without calling finish()", swift-nio#2637).
            try await client.shutdown()
            api.stop()
        }
    }

    static func start(_ cluster: FakeCluster, config: (String) -> KubernetesSDConfig, token: String? = nil) async throws -> Running {
        let api = FakeKubernetesAPI(cluster: cluster)
        api.requiredToken = token
        try await api.start()
        let discovery = KubernetesDiscovery(config: config(api.baseURL), logger: Logger(label: "test"))
        let collector = Collector()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let task = Task { await discovery.run(client: client) { collector.record($0) } }
        return Running(api: api, discovery: discovery, collector: collector, task: task, client: client)
    }

    static func config(_ role: KubernetesSDConfig.Role, apiServer: String, field: String = "", tokenFile: String? = nil) -> KubernetesSDConfig {
        var config = KubernetesSDConfig(role: role)
        config.apiServer = apiServer
        if !field.isEmpty { config.selectors = [.init(role: role, field: field)] }
        if let tokenFile { config.http.authorization = .init(credentialsFile: tokenFile) }
        return config
    }

    /// The golden groups as `TargetGroup`s keyed by source; empty groups stay (they mean "deleted").
    static func expectedGroups(_ name: String) throws -> [String: TargetGroup] {
        var out: [String: TargetGroup] = [:]
        for json in try KubernetesFixtures.expected(name) {
            let group = KubernetesSDConformanceTests.group(json)
            out[group.source] = group
        }
        return out
    }

    /// Waits until the collected groups equal `expected` (within 15 s) and reports the difference if not.
    static func expectGroups(_ running: Running, _ expected: [String: TargetGroup], sourceLocation: SourceLocation = #_sourceLocation) async {
        // An empty group means "no targets from this source" whether it was sent or never existed.
        let expected = expected.filter { !$0.value.targets.isEmpty }
        func current() -> [String: TargetGroup] { running.collector.snapshot.filter { !$0.value.targets.isEmpty } }
        let matched = await eventually(within: 15) { current() == expected }
        if !matched {
            let got = current()
            let differing = Set(got.keys).union(expected.keys).filter { got[$0] != expected[$0] }.sorted()
            Issue.record("groups differ for \(differing): got \(differing.map { got[$0].map { "\($0)" } ?? "nil" })", sourceLocation: sourceLocation)
        }
    }

    @Test("role pod lists then watches and yields Prometheus's groups before and after the scripted events", SharedConformance.required)
    func podRole() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let running = try await Self.start(cluster, config: { Self.config(.pod, apiServer: $0) })
        await Self.expectGroups(running, try Self.expectedGroups("tg-pod-initial.json"))
        try KubernetesFixtures.applyEvents("watch-pods.jsonl", to: cluster, resource: "pods")
        await Self.expectGroups(running, try Self.expectedGroups("tg-pod-after-events.json"))

        let requests = running.api.requests.filter { $0.path == "/api/v1/pods" }
        let list = try #require(requests.first { !$0.isWatch })
        #expect(list.query["limit"] == "500")
        let watch = try #require(requests.first { $0.isWatch })
        #expect(watch.query["resourceVersion"] == "100200")
        #expect(watch.query["allowWatchBookmarks"] == "true")
        #expect(running.discovery.failureCount.load(ordering: .relaxed) == 0)
        try await running.stop()
    }

    @Test("role node yields one kubelet target per node, before and after the node events", SharedConformance.required)
    func nodeRole() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let running = try await Self.start(cluster, config: { Self.config(.node, apiServer: $0) })
        await Self.expectGroups(running, try Self.expectedGroups("tg-node-initial.json"))
        try KubernetesFixtures.applyEvents("watch-nodes.jsonl", to: cluster, resource: "nodes")
        await Self.expectGroups(running, try Self.expectedGroups("tg-node-after-events.json"))
        try await running.stop()
    }

    @Test("a node-local field selector reaches the server, and a pod scheduled onto the node arrives as ADDED", SharedConformance.required)
    func nodeLocalSelector() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let running = try await Self.start(cluster, config: { Self.config(.pod, apiServer: $0, field: "spec.nodeName=worker-2") })
        let onWorker2 = try Self.expectedGroups("tg-pod-initial.json").filter {
            $0.value.labels["__meta_kubernetes_pod_node_name"] == "worker-2"
        }
        await Self.expectGroups(running, onWorker2)
        try KubernetesFixtures.applyEvents("watch-pods.jsonl", to: cluster, resource: "pods")
        // db-migrate was scheduled onto worker-2 by a MODIFIED event; the server turned it into ADDED.
        let migrate = "pod/web/db-migrate-29385120-5xk2p"
        #expect(await eventually(within: 15) { running.collector.snapshot[migrate]?.labels["__meta_kubernetes_pod_phase"] == "Succeeded" })
        let expectedAfter = try Self.expectedGroups("tg-pod-after-events.json")
        await Self.expectGroups(
            running,
            expectedAfter.filter { $0.value.labels["__meta_kubernetes_pod_node_name"] == "worker-2" })
        for request in running.api.requests where request.path == "/api/v1/pods" {
            #expect(request.query["fieldSelector"] == "spec.nodeName=worker-2")
        }
        try await running.stop()
    }

    @Test("a 410 on the watch, as an ERROR event or as an HTTP status, makes discovery list again", SharedConformance.required)
    func expiredResourceVersionRelists() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let running = try await Self.start(cluster, config: { Self.config(.pod, apiServer: $0) })
        running.api.watchDuration = .milliseconds(1200)
        await Self.expectGroups(running, try Self.expectedGroups("tg-pod-initial.json"))
        func lists() -> Int { running.api.requests.filter { $0.path == "/api/v1/pods" && !$0.isWatch }.count }
        #expect(lists() == 1)

        // The server compacts its history and the scripted changes happen while no watch sees them.
        try KubernetesFixtures.applyEvents("watch-pods.jsonl", to: cluster, resource: "pods")
        cluster.compact()
        // The next watch from the old version gets an ERROR event with code 410, then the relist
        // brings the new state.
        await Self.expectGroups(running, try Self.expectedGroups("tg-pod-after-events.json"))
        #expect(lists() >= 2)

        let before = lists()
        running.api.failNext(pathSuffix: "/api/v1/pods", watch: true, status: 410, body: try KubernetesFixtures.data("status-410-watch-expired.json"))
        #expect(await eventually(within: 10) { lists() > before })
        try await running.stop()
    }

    @Test("server errors back off and count as failures; a rotated token file is picked up", SharedConformance.required)
    func unauthorizedThenRotatedToken() async throws {
        let directory = try makeTemporaryDirectory("k8s-token")
        defer { removeTemporaryDirectory(directory) }
        let tokenFile = directory.appendingPathComponent("token").path
        try "stale-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)

        let cluster = try KubernetesFixtures.cluster()
        let running = try await Self.start(cluster, config: { Self.config(.node, apiServer: $0, tokenFile: tokenFile) }, token: "fresh-token")
        #expect(await eventually(within: 10) { running.discovery.failureCount.load(ordering: .relaxed) >= 1 })
        #expect(running.collector.snapshot.isEmpty)
        try "fresh-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        await Self.expectGroups(running, try Self.expectedGroups("tg-node-initial.json"))
        #expect(running.api.requests.last?.authorization == "Bearer fresh-token")
        try await running.stop()
    }

    @Test("lists are paged with continue tokens; an expired token restarts the list once, then fails", SharedConformance.required)
    func pagedList() async throws {
        let cluster = try KubernetesFixtures.cluster()
        let api = FakeKubernetesAPI(cluster: cluster)
        try await api.start()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let connection = try KubernetesAPIClient.Connection.resolve(Self.config(.pod, apiServer: api.baseURL))
        let apiClient = KubernetesAPIClient(connection: connection, client: client)
        let scope = KubernetesAPIClient.Scope(resource: .pods, namespace: nil)
        let result = try await apiClient.list(scope, pageSize: 5)
        #expect(result.items.count == 12)
        #expect(result.resourceVersion == "100200")
        #expect(api.requests.filter { $0.query["continue"] != nil }.count == 2)

        api.expireContinue(true)
        await #expect(throws: KubernetesAPIError.self) { try await apiClient.list(scope, pageSize: 5) }
        try await client.shutdown()
        api.stop()
    }
}
