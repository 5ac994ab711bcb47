import AsyncHTTPClient
import Config
import Logging
import Synchronization

/// The discovery mechanisms of one configuration entry (a scrape job, an Alertmanager set) running
/// together: static groups at once, file and Kubernetes discovery as tasks. Keeps the latest group
/// per provider and source; `onChange` is called whenever a provider reports something.
package final class DiscoveryProviders: Sendable {
    let configs: DiscoveryConfigs
    let staticGroups: [TargetGroup]
    /// For Kubernetes discovery's API requests.
    let client: HTTPClient
    let logger: Logger
    let metrics: DiscoveryMetrics
    let onChange: @Sendable () -> Void

    private struct State {
        var groups: [String: [String: TargetGroup]] = [:]
        var changed = false
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    package init(
        configs: DiscoveryConfigs, staticGroups: [TargetGroup], client: HTTPClient, logger: Logger,
        metrics: DiscoveryMetrics = DiscoveryMetrics(), onChange: @escaping @Sendable () -> Void
    ) {
        self.metrics = metrics
        self.configs = configs
        self.staticGroups = staticGroups
        self.client = client
        self.logger = logger
        self.onChange = onChange
    }

    /// Starts every provider.
    package func start() {
        update(provider: "static_configs", groups: staticGroups)
        var tasks: [Task<Void, Never>] = []
        for (index, fileConfig) in configs.fileSDConfigs.enumerated() {
            let discovery = FileDiscovery(config: fileConfig, logger: logger, metrics: metrics)
            tasks.append(Task { await discovery.run { self.update(provider: "file_sd_configs/\(index)", groups: $0) } })
        }
        for (index, kubernetesConfig) in configs.kubernetesSDConfigs.enumerated() {
            var discoveryLogger = logger
            discoveryLogger[metadataKey: "discovery"] = "kubernetes_sd_configs/\(index)"
            let discovery = KubernetesDiscovery(config: kubernetesConfig, logger: discoveryLogger, metrics: metrics)
            let client = client
            tasks.append(Task { await discovery.run(client: client) { self.update(provider: "kubernetes_sd_configs/\(index)", groups: $0) } })
        }
        state.withLock { $0.tasks = tasks }
    }

    /// Stops the providers and waits for them.
    package func stop() async {
        let tasks = state.withLock { state in
            defer { state.tasks = [] }
            return state.tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Records a provider's changed groups; an empty group removes its source.
    package func update(provider: String, groups: [TargetGroup]) {
        guard !groups.isEmpty else { return }
        state.withLock { state in
            for group in groups {
                if group.targets.isEmpty {
                    state.groups[provider]?[group.source] = nil
                } else {
                    state.groups[provider, default: [:]][group.source] = group
                }
            }
            state.changed = true
        }
        onChange()
    }

    /// Every current group in a stable order, if anything changed since the last call; nil otherwise.
    package func takeChanges() -> [TargetGroup]? {
        state.withLock { state in
            guard state.changed else { return nil }
            state.changed = false
            return state.groups.sorted { $0.key < $1.key }.flatMap { $0.value.sorted { $0.key < $1.key }.map(\.value) }
        }
    }
}
