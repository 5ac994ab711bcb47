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
        var loops: [Target.Key: (task: Task<Void, Never>, endOfRun: EndOfRunChoice)] = [:]
        var stopped = false
    }

    private let state = Mutex(State())
    private let discovery: DiscoveryProviders
    /// Set while the pool has more targets than `target_limit`: every loop fails its scrapes with it.
    let targetLimitError = Mutex<String?>(nil)

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
        discovery = DiscoveryProviders(
            configs: config.discovery, staticGroups: Target.staticGroups(config), client: client, logger: logger,
            metrics: status.metrics.discovery, onChange: onChange)
    }

    /// Starts the discovery providers: static groups at once, file and Kubernetes discovery as tasks.
    func startDiscovery() {
        discovery.start()
    }

    /// Records a provider's changed groups; an empty group removes its source.
    func update(provider: String, groups: [TargetGroup]) {
        discovery.update(provider: provider, groups: groups)
    }

    /// Brings the running loops in line with the current groups, if they changed since the last sync.
    func sync() {
        guard !state.withLock({ $0.stopped }), let groups = discovery.takeChanges() else { return }
        let started = ContinuousClock.now
        defer {
            status.metrics.syncLength.observe((ContinuousClock.now - started).seconds, config.jobName)
            status.metrics.poolSyncs.add(1, config.jobName)
        }
        let targets = Target.targets(groups, config: config, global: global)
        for error in targets.errors { logger.warning("target skipped", metadata: ["error": "\(error)"]) }
        status.update(pool: config.jobName, active: targets.active, dropped: targets.dropped, keepDropped: config.limits.keepDroppedTargets)
        // As Prometheus: past `target_limit` the targets stay listed, and each scrape fails with the
        // reason (up 0, nothing stored) until discovery or the limit changes.
        let overLimit = config.limits.targetLimit > 0 && targets.active.count > config.limits.targetLimit
        if overLimit {
            status.metrics.exceededTargetLimit.add(1)
            logger.error("scrape pool has more targets than its target_limit; scrapes fail until it has fewer", metadata: [
                "job": "\(config.jobName)", "targets": "\(targets.active.count)", "target_limit": "\(config.limits.targetLimit)",
            ])
        }
        targetLimitError.withLock {
            $0 = overLimit ? "target_limit exceeded (number of targets: \(targets.active.count), limit: \(config.limits.targetLimit))" : nil
        }
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
                    endOfRun: endOfRun, staleness: staleness, forcedError: { [weak self] in self?.targetLimitError.withLock { $0 } })
                state.loops[key] = (Task { await loop.run() }, endOfRun)
            }
        }
        logger.debug("scrape pool synced", metadata: ["job": "\(config.jobName)", "targets": "\(targets.active.count)", "dropped": "\(targets.dropped.count)"])
    }

    /// Stops discovery and every loop, each ending its series as `endOfRun` says, and waits for them.
    func stop(_ endOfRun: EndOfRun) async {
        let loops = state.withLock { state in
            state.stopped = true
            defer { state.loops = [:] }
            return Array(state.loops.values)
        }
        for loop in loops {
            loop.endOfRun.set(endOfRun)
            loop.task.cancel()
        }
        await discovery.stop()
        for loop in loops { await loop.task.value }
    }

    var loopCount: Int { state.withLock { $0.loops.count } }
}
