import ArgumentParser
import Config
import Logging
import MetricsModel
import QueryAPI
import RemoteWrite
import Scraper
import ServiceLifecycle
import TSDB

extension Metricsd {
    /// `--agent`: discovery, scraping and remote write over a WAL-only store; the API answers
    /// targets, metadata, status and self-metrics, and refuses queries as Prometheus's agent does.
    func runAgent(config: PrometheusConfig, configText: String, host: String, port: Int, logger: Logger) async throws {
        let storage = try storageOptions()
        let store: AgentStore
        do {
            store = try AgentStore(path: agent.path, options: try agent.storeOptions(wal: storage.wal, clock: storage.head.clock ?? SampleClock()), logger: logger)
        } catch {
            logger.error("error opening agent storage", metadata: ["path": "\(agent.path)", "error": "\(error)"])
            throw ExitCode(1)
        }
        var limits = try holdLimits()
        if let maxTime = PromDuration(parsing: agent.retentionMaxTime), maxTime.milliseconds > 0 { limits.maxAge = maxTime.milliseconds }
        let targets = TargetStatusBoard()
        let remote = RemoteStorage(context: .init(
            walDirectory: store.wal.directory, wal: store.wal, progressRoot: store.path + "/remote", limits: limits,
            samplesAppended: { store.statistics.samplesAppended.load(ordering: .relaxed) },
            metadata: { ScrapeTargets(board: targets).familyMetadata() }, logger: logger))
        do {
            try await remote.apply(config)
        } catch {
            logger.error("error starting remote write", metadata: ["error": "\(error)"])
            store.close()
            throw ExitCode(1)
        }
        if config.remoteWrite.isEmpty {
            logger.warning("agent mode without remote_write: scraped samples are written to the WAL and go nowhere")
        }
        let scraper = ScrapeManager(config: config, store: store, status: targets, logger: logger)
        let runtime = ServerRuntime(flags: flagValues, storageRetention: "agent", configText: configText)
        let reloader = ConfigReloader(configFile: configFile, check: AgentFlags.check, apply: { config in
            await scraper.apply(config)
            try await remote.apply(config)
        }, runtime: runtime, logger: logger)
        let reload: (@Sendable () async throws -> Void)? = enableLifecycle ? { @Sendable in try await reloader.reload() } : nil
        let server = APIServer(
            db: nil, targets: ScrapeTargets(board: targets),
            extraMetrics: {
                var text = MetricsText()
                store.statistics.write(to: &text, wal: store.wal)
                remote.writeMetrics(to: &text)
                return text.text
            }, reload: reload, config: { scraper.config }, options: try cappedAPIOptions(logger: logger), runtime: runtime
        ).application(host: host, port: port, logger: logger)
        let upkeep = StorageService(agent: store, interval: try agent.truncateInterval().duration, logger: logger)
        logger.info("metricsd starting in agent mode", metadata: ["version": "\(BuildInfo.version)", "listen": "\(listenAddress)", "storage": "\(agent.path)"])
        // Shutdown in reverse: scrapers stop, remote write queues stop after their sends in
        // flight, then the server, then the WAL closes.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: upkeep), .init(service: server), .init(service: remote), .init(service: scraper), .init(service: reloader)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
