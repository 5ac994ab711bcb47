import AsyncHTTPClient
import Config
import Logging
import MetricsModel
import Synchronization

/// The discovery and scrape loops of one `scrape_configs` entry. Discovery providers report target
/// groups; `sync()` turns the latest groups into targets and starts and stops loops so that a loop
/// runs for exactly each current target. A loop whose target stays keeps running.
final class ScrapePool<Store: Appendable>: Sendable {
    let config: ScrapeConfig
    let global: GlobalConfig
    let store: Store
    /// For Kubernetes discovery's API requests.
    let client: HTTPClient
    let fetcher: any TargetFetcher
    let status: TargetStatusBoard
    let logger: Logger
    let staleness: StalenessScheduler

    private struct State {
        /// Latest group per provider and source.
        var groups: [String: [String: TargetGroup]] = [:]
        var dirty = false
        var loops: [Target.Key: (task: Task<Void, Never>, endOfRun: EndOfRunChoice)] = [:]
        var providers: [Task<Void, Never>] = []
        var stopped = false
    }

    private let state = Mutex(State())
    /// Called when discovery changed something, so the manager schedules a sync.
    private let onChange: @Sendable () -> Void

    init(
        config: ScrapeConfig, global: GlobalConfig, store: Store, client: HTTPClient, fetcher: any TargetFetcher,
        status: TargetStatusBoard, logger: Logger, staleness: StalenessScheduler, onChange: @escaping @Sendable () -> Void
    ) {
        self.fetcher = fetcher
        self.staleness = staleness
        self.config = config
        self.global = global
        self.store = store
        self.client = client
        self.status = status
        self.logger = logger
        self.onChange = onChange
    }

    /// Starts the discovery providers: static groups at once, file and Kubernetes discovery as tasks.
    func startDiscovery() {
        update(provider: "static_configs", groups: Target.staticGroups(config))
        var tasks: [Task<Void, Never>] = []
        for (index, fileConfig) in config.discovery.fileSDConfigs.enumerated() {
            let discovery = FileDiscovery(config: fileConfig, logger: logger)
            tasks.append(Task { await discovery.run { self.update(provider: "file_sd_configs/\(index)", groups: $0) } })
        }
        for (index, kubernetesConfig) in config.discovery.kubernetesSDConfigs.enumerated() {
            var discoveryLogger = logger
            discoveryLogger[metadataKey: "discovery"] = "kubernetes_sd_configs/\(index)"
            let discovery = KubernetesDiscovery(config: kubernetesConfig, logger: discoveryLogger)
            let client = client
            tasks.append(Task { await discovery.run(client: client) { self.update(provider: "kubernetes_sd_configs/\(index)", groups: $0) } })
        }
        state.withLock { $0.providers = tasks }
    }

    /// Records a provider's changed groups; an empty group removes its source.
    func update(provider: String, groups: [TargetGroup]) {
        guard !groups.isEmpty else { return }
        state.withLock { state in
            for group in groups {
                if group.targets.isEmpty {
                    state.groups[provider]?[group.source] = nil
                } else {
                    state.groups[provider, default: [:]][group.source] = group
                }
            }
            state.dirty = true
        }
        onChange()
    }

    /// Brings the running loops in line with the current groups, if they changed since the last sync.
    func sync() {
        let groups: [TargetGroup]? = state.withLock { state in
            guard state.dirty, !state.stopped else { return nil }
            state.dirty = false
            return state.groups.sorted { $0.key < $1.key }.flatMap { $0.value.sorted { $0.key < $1.key }.map(\.value) }
        }
        guard let groups else { return }
        let targets = Target.targets(groups, config: config, global: global)
        for error in targets.errors { logger.warning("target skipped", metadata: ["error": "\(error)"]) }
        status.update(pool: config.jobName, active: targets.active, dropped: targets.dropped)
        state.withLock { state in
            let wanted = Dictionary(targets.active.map { ($0.key, $0) }) { first, _ in first }
            for (key, loop) in state.loops where wanted[key] == nil {
                // Cancelling ends the loop after its current scrape; its target is gone, so it then
                // marks its series stale at once.
                loop.endOfRun.set(.markStale)
                loop.task.cancel()
                state.loops[key] = nil
            }
            for (key, target) in wanted where state.loops[key] == nil {
                let endOfRun = EndOfRunChoice()
                let loop = ScrapeLoop(
                    target: target, config: config, store: store, fetcher: fetcher, status: status, logger: logger,
                    endOfRun: endOfRun, staleness: staleness)
                state.loops[key] = (Task { await loop.run() }, endOfRun)
            }
        }
        logger.debug("scrape pool synced", metadata: ["job": "\(config.jobName)", "targets": "\(targets.active.count)", "dropped": "\(targets.dropped.count)"])
    }

    /// Stops discovery and every loop, each ending its series as `endOfRun` says, and waits for them.
    func stop(_ endOfRun: EndOfRun) async {
        let (loops, providers) = state.withLock { state in
            state.stopped = true
            defer {
                state.loops = [:]
                state.providers = []
            }
            return (Array(state.loops.values), state.providers)
        }
        for task in providers { task.cancel() }
        for loop in loops {
            loop.endOfRun.set(endOfRun)
            loop.task.cancel()
        }
        for task in providers { await task.value }
        for loop in loops { await loop.task.value }
    }

    var loopCount: Int { state.withLock { $0.loops.count } }
}
