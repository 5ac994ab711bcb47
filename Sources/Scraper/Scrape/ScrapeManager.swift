import AsyncHTTPClient
import Config
import Logging
import MetricsModel
import ServiceLifecycle
import Synchronization

/// Runs a scrape pool per `scrape_configs` entry as one long-running service, and applies reloaded
/// configurations: pools whose configuration is unchanged keep their loops running.
package final class ScrapeManager<Store: Appendable>: Service {
    let store: Store
    package let status: TargetStatusBoard
    let logger: Logger
    /// How often discovery changes reach the pools at most (Prometheus: 5 s).
    let updateInterval: Duration

    private struct State {
        var config: PrometheusConfig
        var pools: [String: ScrapePool<Store>] = [:]
        var client: HTTPClient?
        var fetcher: (any TargetFetcher)?
    }

    private let state: Mutex<State>
    /// End-of-run stale markers of loops a reload restarted, waiting for their delay.
    private let staleness = StalenessScheduler()
    private let changes: AsyncStream<Void>
    private let signalChange: AsyncStream<Void>.Continuation
    /// Scrapes through this instead of HTTP (tests).
    private let fetcherOverride: (any TargetFetcher)?

    package convenience init(
        config: PrometheusConfig, store: Store, status: TargetStatusBoard = TargetStatusBoard(), logger: Logger,
        updateInterval: Duration = .seconds(5)
    ) {
        self.init(config: config, store: store, status: status, logger: logger, updateInterval: updateInterval, fetcher: nil)
    }

    init(
        config: PrometheusConfig, store: Store, status: TargetStatusBoard = TargetStatusBoard(), logger: Logger,
        updateInterval: Duration = .seconds(5), fetcher: (any TargetFetcher)?
    ) {
        fetcherOverride = fetcher
        self.store = store
        self.status = status
        self.logger = logger
        self.updateInterval = updateInterval
        state = Mutex(State(config: config))
        (changes, signalChange) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    package func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .enabled(limit: .ratio(HTTPTargetFetcher.decompressionRatio))
        configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let serverNameClients = ServerNameClients(configuration: configuration)
        let fetcher = fetcherOverride ?? HTTPTargetFetcher(client: client, serverNameClients: serverNameClients)
        let config = state.withLock { state in
            state.client = client
            state.fetcher = fetcher
            return state.config
        }
        await apply(config)
        // Sync pools whenever discovery reports changes, at most once per update interval.
        try? await cancelWhenGracefulShutdown {
            for await _ in self.changes {
                for pool in self.state.withLock({ Array($0.pools.values) }) { pool.sync() }
                try await Task.sleep(for: self.updateInterval)
            }
        }
        let pools = state.withLock { state in
            defer { state.pools = [:] }
            return Array(state.pools.values)
        }
        // Shutting down writes no stale markers, and drops the deferred ones: after a restart, WAL
        // replay and the next scrape continue every series without a gap, as in Prometheus.
        staleness.cancelAll()
        for pool in pools { await pool.stop(.leaveSeries) }
        await serverNameClients.shutdown()
        try await client.shutdown()
    }

    /// Applies a new configuration: unchanged jobs keep running, changed ones restart (their old
    /// loops' stale markers are deferred, so series the new loops go on scraping show no gap),
    /// removed ones stop (their series get stale markers at once).
    package func apply(_ config: PrometheusConfig) async {
        guard let (client, fetcher) = state.withLock({ state in state.client.flatMap { client in state.fetcher.map { (client, $0) } } }) else {
            state.withLock { $0.config = config }
            return
        }
        var stale: [ScrapePool<Store>] = []
        var started: [ScrapePool<Store>] = []
        state.withLock { state in
            state.config = config
            var next: [String: ScrapePool<Store>] = [:]
            for scrape in config.scrapeConfigs {
                if let pool = state.pools[scrape.jobName], pool.config == scrape, pool.global == config.global {
                    next[scrape.jobName] = pool
                    continue
                }
                if let old = state.pools[scrape.jobName] {
                    stale.append(old)
                    status.metrics.poolReloads.add()
                }
                status.metrics.pools.add()
                var poolLogger = logger
                poolLogger[metadataKey: "job"] = "\(scrape.jobName)"
                let signal = signalChange
                let pool = ScrapePool(
                    config: scrape, global: config.global, store: store, client: client, fetcher: fetcher, status: status, logger: poolLogger,
                    staleness: staleness, onChange: { signal.yield() })
                next[scrape.jobName] = pool
                started.append(pool)
            }
            for (name, pool) in state.pools where next[name] == nil { stale.append(pool) }
            state.pools = next
        }
        for pool in stale {
            let removed = state.withLock { $0.pools[pool.config.jobName] == nil }
            await pool.stop(removed ? .markStale : .markStaleLater)
            if state.withLock({ $0.pools[pool.config.jobName] == nil }) { status.remove(pool: pool.config.jobName) }
        }
        // Static targets start scraping now rather than at the next discovery round (up to
        // `updateInterval` away), so a restarted job's series go on before its old loops' deferred
        // stale markers are tried.
        for pool in started {
            pool.startDiscovery()
            pool.sync()
        }
        logger.info("scrape configuration applied", metadata: ["jobs": "\(config.scrapeConfigs.count)", "restarted": "\(started.count)", "stopped": "\(stale.count)"])
    }

    /// The configuration in effect.
    package var config: PrometheusConfig { state.withLock { $0.config } }
}
