import AsyncHTTPClient
import Logging
import MetricsModel
import ServiceLifecycle
import TSDB

/// Runs a scrape loop for every target of the configuration, as one long-running service.
public final class ScrapeManager<Store: Appendable>: Service {
    let config: PrometheusConfig
    let store: Store
    public let status: TargetStatusBoard
    let logger: Logger

    public init(config: PrometheusConfig, store: Store, status: TargetStatusBoard = TargetStatusBoard(), logger: Logger) {
        self.config = config
        self.store = store
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .enabled(limit: .ratio(100))
        configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var loops: [(ScrapeConfig, Target)] = []
        var active: [(pool: String, target: Target)] = []
        var dropped: [(pool: String, labels: Labels)] = []
        for scrape in config.scrapeConfigs {
            let targets = Target.staticTargets(scrape, global: config.global)
            for error in targets.errors { logger.warning("target skipped", metadata: ["error": "\(error)"]) }
            for target in targets.active {
                loops.append((scrape, target))
                active.append((scrape.jobName, target))
            }
            dropped += targets.dropped.map { (scrape.jobName, $0) }
        }
        status.reset(active: active, dropped: dropped)
        logger.info("scraping", metadata: ["targets": "\(loops.count)"])
        // Scrape until the service group shuts down; cancellation ends each loop after its
        // current scrape and writes stale markers for its series.
        let planned = loops
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                // Keeps the service running (as a service group requires) even with no targets.
                group.addTask {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
                for (scrape, target) in planned {
                    let loop = ScrapeLoop(target: target, config: scrape, store: self.store, client: client, status: self.status, logger: self.logger)
                    group.addTask { await loop.run() }
                }
            }
        }
        try await client.shutdown()
    }
}
