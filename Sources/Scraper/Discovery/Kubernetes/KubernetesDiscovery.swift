import AsyncHTTPClient
import Config
import Foundation
import Logging
import Synchronization

/// One `kubernetes_sd_configs` entry at work: a list-then-watch loop per resource and namespace feeding
/// a shared store, whose changed target groups go to `send`.
final class KubernetesDiscovery: Sendable {
    let config: KubernetesSDConfig
    let logger: Logger
    private let store: Mutex<KubernetesStore>
    /// Watch events received, and failed requests (`prometheus_sd_kubernetes_*` in spirit).
    let eventCount = Atomic<Int>(0)
    let failureCount = Atomic<Int>(0)
    let metrics: DiscoveryMetrics

    init(config: KubernetesSDConfig, logger: Logger, metrics: DiscoveryMetrics = DiscoveryMetrics()) {
        self.config = config
        self.logger = logger
        self.metrics = metrics
        store = Mutex(KubernetesStore(config: config))
    }

    /// Runs until cancelled. A configuration that cannot reach any API server is logged and retried.
    func run(client: HTTPClient, send: @escaping @Sendable ([TargetGroup]) -> Void) async {
        let connection: KubernetesAPIClient.Connection
        do {
            connection = try KubernetesAPIClient.Connection.resolve(config)
        } catch {
            logger.error("kubernetes discovery cannot start", metadata: ["error": "\(error)"])
            failureCount.add(1, ordering: .relaxed)
            metrics.kubernetesFailures.add()
            return
        }
        let api = KubernetesAPIClient(connection: connection, client: client)
        let scopes = Self.scopes(config, ownNamespace: connection.ownNamespace, resources: store.withLock { $0.resources })
        await withDiscardingTaskGroup { group in
            for scope in scopes {
                group.addTask { await self.reflect(scope, api: api, send: send) }
            }
        }
    }

    /// Lists every resource once and returns the resulting groups (for `tsq targets`).
    func listOnce(client: HTTPClient) async throws -> [TargetGroup] {
        let connection = try KubernetesAPIClient.Connection.resolve(config)
        let api = KubernetesAPIClient(connection: connection, client: client)
        var store = KubernetesStore(config: config)
        for scope in Self.scopes(config, ownNamespace: connection.ownNamespace, resources: store.resources) {
            let list = try await api.list(scope)
            _ = try store.replace(scope.resource, namespace: scope.namespace, objects: list.items)
        }
        return store.allGroups().sorted { $0.source < $1.source }
    }

    /// Every (resource, namespace, selectors) combination to list and watch.
    static func scopes(_ config: KubernetesSDConfig, ownNamespace: String?, resources: [KubernetesStore.Resource]) -> [KubernetesAPIClient.Scope] {
        var namespaces: [String?] = config.namespaces.names
        if config.namespaces.ownNamespace, let ownNamespace { namespaces.append(ownNamespace) }
        if namespaces.isEmpty { namespaces = [nil] }
        var scopes: [KubernetesAPIClient.Scope] = []
        for resource in resources {
            let selector: KubernetesSDConfig.Selector?
            switch resource {
            case .pods: selector = config.selector(for: .pod)
            case .nodes: selector = config.selector(for: .node)
            case .namespaces, .replicasets, .jobs: selector = nil
            }
            let scoped = resource == .pods || resource == .replicasets || resource == .jobs
            for namespace in scoped ? namespaces : [nil] {
                scopes.append(.init(resource: resource, namespace: namespace, labelSelector: selector?.label ?? "", fieldSelector: selector?.field ?? ""))
            }
        }
        return scopes
    }

    /// client-go's reflector: list, then watch from the list's resourceVersion; a 410 (as an HTTP
    /// status or an ERROR event) lists again; other errors back off and re-watch from the last version.
    private func reflect(_ scope: KubernetesAPIClient.Scope, api: KubernetesAPIClient, send: @Sendable ([TargetGroup]) -> Void) async {
        var resourceVersion: String?
        var backoff = Backoff()
        let name = scope.namespace.map { "\(scope.resource.rawValue) in \($0)" } ?? scope.resource.rawValue
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    let list = try await api.list(scope)
                    let groups = try store.withLock { try $0.replace(scope.resource, namespace: scope.namespace, objects: list.items) }
                    // Prometheus's informers count a list's objects as additions.
                    metrics.kubernetesEvents.add(Double(list.items.count), scope.resource.role, "add")
                    send(groups)
                    resourceVersion = list.resourceVersion
                    logger.debug("kubernetes list", metadata: ["resource": "\(name)", "objects": "\(list.items.count)", "resourceVersion": "\(list.resourceVersion)"])
                }
                let started = ContinuousClock.now
                var received = 0
                var version = resourceVersion ?? ""
                defer { resourceVersion = resourceVersion == nil ? nil : version }
                try await api.watch(scope, resourceVersion: version, timeoutSeconds: Int.random(in: 300...600)) { event in
                    received += 1
                    eventCount.add(1, ordering: .relaxed)
                    switch event.type {
                    case "ADDED", "MODIFIED", "DELETED":
                        metrics.kubernetesEvents.add(1, scope.resource.role, event.type == "ADDED" ? "add" : event.type == "DELETED" ? "delete" : "update")
                        do {
                            let groups = try store.withLock {
                                try $0.apply(event.type == "DELETED" ? .delete : .upsert, scope.resource, object: event.object)
                            }
                            send(groups)
                        } catch {
                            logger.warning("kubernetes object skipped", metadata: ["resource": "\(name)", "error": "\(error)"])
                        }
                        if let next = event.resourceVersion { version = next }
                    case "BOOKMARK":
                        if let next = event.resourceVersion { version = next }
                    case "ERROR":
                        throw KubernetesAPIError(watchStatus: event.status ?? Kubernetes.Status(message: "watch error", reason: nil, code: 500))
                    default:
                        break
                    }
                }
                // A watch that ends at once without events is a failure, not a timeout.
                if received == 0 && ContinuousClock.now - started < .seconds(1) {
                    throw DiscoveryError("watch of \(name) closed immediately")
                }
                backoff.reset()
            } catch let error as KubernetesAPIError where error.isExpired {
                logger.info("kubernetes resourceVersion expired; listing again", metadata: ["resource": "\(name)", "error": "\(error)"])
                resourceVersion = nil
            } catch {
                if Task.isCancelled { break }
                failureCount.add(1, ordering: .relaxed)
                metrics.kubernetesFailures.add()
                logger.warning("kubernetes list/watch failed", metadata: ["resource": "\(name)", "error": "\(error)"])
                do { try await Task.sleep(for: backoff.next()) } catch { break }
            }
        }
    }
}

/// client-go's exponential backoff with jitter: 800 ms doubling to 30 s.
struct Backoff {
    private var current: Double = 0.8

    mutating func next() -> Duration {
        let delay = current * Double.random(in: 1.0...1.2)
        current = min(current * 2, 30)
        return .milliseconds(Int64(delay * 1000))
    }

    mutating func reset() { current = 0.8 }
}
