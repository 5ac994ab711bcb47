import ArgumentParser
import Config
import Foundation
import Logging
import MetricsModel
import PromQL
import QueryAPI
import RemoteRead
import RemoteWrite
import Scraper
import ServiceLifecycle
import TSDB
import alertd

/// `metricsd`: the agent and store. Flag names follow Prometheus's where they overlap.
@main
struct Metricsd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsd",
        abstract: "ToolboxMetrics: a Prometheus-compatible metrics agent and store.",
        discussion: """
            Without --config.file, metricsd scrapes itself and a node exporter on 127.0.0.1:9100 every 15 s,
            and stores the samples under --storage.tsdb.path (WAL, then 2 h blocks).
            Targets come from static_configs, file_sd_configs and kubernetes_sd_configs (roles pod and node).
            SIGHUP, or POST /-/reload with --web.enable-lifecycle, re-reads the configuration file; jobs whose
            configuration did not change keep scraping, and a configuration that fails to load is rejected.
            """,
        version: BuildInfo.version
    )

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file (global, scrape_configs with static, file and Kubernetes discovery).")
    var configFile: String?

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for the API and self-metrics.")
    var listenAddress = "127.0.0.1:9090"

    @Option(name: .customLong("storage.tsdb.path"), help: "Base path for metrics storage.")
    var storagePath = "data/"

    @Option(name: .customLong("storage.tsdb.retention.time"), help: "How long to retain samples in storage (Prometheus duration, e.g. 15d).")
    var retentionTime = "15d"

    @Option(name: .customLong("storage.tsdb.max-series"), help: "Most series the head holds; samples of new series beyond it are refused and counted, existing series keep ingesting (0: no cap).")
    var maxSeries = 0

    @Option(name: .customLong("storage.tsdb.retention.size"), help: "Maximum bytes of storage blocks and WAL (e.g. 512MB, 10GB); 0 disables.")
    var retentionSize = "0"

    @Option(name: .customLong("storage.tsdb.wal-sync-interval"),
            help: "How often the WAL is fsync'ed (Prometheus duration); 0s syncs on every commit. Commits always reach the kernel before they return, so a killed process loses nothing.")
    var walSyncInterval = "5s"

    @Option(name: .customLong("storage.tsdb.future-tolerance"),
            help: "How far ahead of the clock a sample may be dated (scraped, remote-written or produced by a rule); later ones are refused as out of bounds and counted.")
    var futureTolerance = "10m"

    @Option(name: .customLong("storage.remote.wal-hold-max-age"),
            help: "How old the oldest unsent sample of a lagging remote_write destination may grow while the WAL keeps it; past it, failing batches are dropped and counted (0s: no limit).")
    var walHoldMaxAge = "6h"

    @Option(name: .customLong("storage.remote.wal-hold-max-size"),
            help: "How many WAL bytes a lagging remote_write destination may keep from deletion; past it, failing batches are dropped and counted (0: no limit).")
    var walHoldMaxSize = "0"

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable reload via HTTP request (POST /-/reload).")
    var enableLifecycle = false

    @Flag(name: .customLong("web.enable-admin-api"), help: "Enable the admin endpoints: admin/tsdb/snapshot, delete_series, clean_tombstones.")
    var enableAdminAPI = false

    @Flag(name: .customLong("web.enable-remote-write-receiver"), help: "Accept remote write requests on /api/v1/write.")
    var enableRemoteWriteReceiver = false

    @Option(name: .customLong("web.cors.origin"), help: "Regex for CORS origin; it is fully anchored. Example: 'https?://(domain1|domain2)\\.com'.")
    var corsOrigin = ".*"

    @Option(name: .customLong("web.ui-libraries-path"), help: "Directory of Debian's JavaScript libraries (libjs-dygraphs), which the web UI draws charts with.")
    var uiLibrariesPath = "/usr/share/javascript"

    @Option(name: .customLong("web.dashboards-dir"), help: "A directory of Grafana dashboard JSON files the web UI lists beside the shipped ones.")
    var dashboardsDirectory: String?

    @Option(name: .customLong("web.max-connections"), help: "Maximum number of simultaneous connections (0: no limit). Held below half the open-file limit, so accepting can never exhaust it.")
    var maxConnections = 512

    @Option(name: .customLong("web.config.file"), help: "Path to a web configuration file (exporter-toolkit format) enabling TLS, client certificates, basic authentication and response headers.")
    var webConfigFile: String?

    @Option(name: .customLong("web.audit-log"), help: "Append one JSON line per admin, lifecycle and write request, and per refused credentials, to this file.")
    var auditLog: String?

    @Flag(name: .customLong("web.audit-log.queries"), help: "Also write every other request (queries, metadata, pages) to the audit log.")
    var auditQueries = false

    @Option(name: .customLong("web.read-timeout"), help: "Maximum duration before timing out read of the request, and closing idle connections (0s: none).")
    var readTimeout = "5m"

    @Option(name: .customLong("query.timeout"), help: "Maximum time a query may take before being aborted (a client's timeout can only shorten it).")
    var queryTimeout = "2m"

    @Option(name: .customLong("query.max-memory"), help: "Most memory one query's samples and step points may take (e.g. 512MB); past it the query fails with 422. 0 for no limit.")
    var queryMaxMemory = "0"

    @Option(name: .customLong("query.max-samples"), help: "Maximum number of samples a single query can load into memory.")
    var queryMaxSamples = 50_000_000

    @Option(name: .customLong("query.max-concurrency"), help: "Maximum number of queries executed concurrently; others wait until their timeout.")
    var queryMaxConcurrency = 20

    @Option(name: .customLong("query.lookback-delta"), help: "How far back an instant selector looks for a sample.")
    var queryLookbackDelta = "5m"

    @OptionGroup var rules: RuleFlags

    @OptionGroup var agent: AgentFlags

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.")
    var logLevel = "info"

    func validate() throws {
        guard ListenAddress.split(listenAddress) != nil else {
            throw ValidationError("--web.listen-address must be host:port, got \(listenAddress)")
        }
        _ = try storageOptions()
        _ = try apiOptions()
        _ = try holdLimits()
    }

    /// Rules read the local store (and remote read's sources, as Prometheus's rules do) through the
    /// engine, with the query flags' lookback and sample limit.
    func ruleQuerier(_ db: DB, reads: SecondaryReads) throws -> LocalQuerier<MergedQueryable<DB>> {
        let query = try apiOptions().query
        var engine = Engine()
        engine.lookbackDelta = query.lookbackDelta
        engine.maxSamples = query.maxSamples
        engine.maxMemory = query.maxMemory
        return LocalQuerier(engine: engine, storage: MergedQueryable(local: db, reads: reads))
    }

    /// The HTTP API's settings from the flags.
    func apiOptions() throws -> APIServer.Options {
        var options = APIServer.Options()
        guard let timeout = PromDuration(parsing: queryTimeout), timeout.milliseconds > 0 else {
            throw ValidationError("--query.timeout: invalid duration \(queryTimeout)")
        }
        options.query.timeout = timeout.duration
        guard let lookback = PromDuration(parsing: queryLookbackDelta), lookback.milliseconds > 0 else {
            throw ValidationError("--query.lookback-delta: invalid duration \(queryLookbackDelta)")
        }
        options.query.lookbackDelta = lookback.milliseconds
        guard queryMaxSamples > 0 else { throw ValidationError("--query.max-samples must be positive") }
        options.query.maxSamples = queryMaxSamples
        guard let memory = ByteSize.parse(queryMaxMemory) else {
            throw ValidationError("--query.max-memory: invalid size \(queryMaxMemory) (use B, KB, MB, GB, TB)")
        }
        options.query.maxMemory = Int(memory)
        guard queryMaxConcurrency > 0 else { throw ValidationError("--query.max-concurrency must be positive") }
        options.query.maxConcurrency = queryMaxConcurrency
        guard maxConnections >= 0 else { throw ValidationError("--web.max-connections must not be negative") }
        options.maxConnections = maxConnections
        if let webConfigFile {
            do {
                options.security = try WebSecurity(try WebConfig.load(file: webConfigFile))
            } catch {
                throw ValidationError("--web.config.file: \(error)")
            }
        }
        if let auditLog {
            do {
                options.auditLog = try AuditLog(path: auditLog, includeQueries: auditQueries)
            } catch {
                throw ValidationError("--web.audit-log: \(error)")
            }
        }
        guard let read = PromDuration(parsing: readTimeout) else { throw ValidationError("--web.read-timeout: invalid duration \(readTimeout)") }
        options.readTimeout = read.milliseconds > 0 ? .milliseconds(read.milliseconds) : nil
        options.enableAdminAPI = enableAdminAPI
        options.ui.librariesPath = uiLibrariesPath
        options.ui.dashboardsDirectory = dashboardsDirectory
        options.enableRemoteWriteReceiver = enableRemoteWriteReceiver
        if corsOrigin != ".*" {
            do {
                options.corsOrigin = try AnchoredRegex(corsOrigin)
            } catch {
                throw ValidationError("--web.cors.origin: \(error)")
            }
        }
        return options
    }

    /// Every flag by name with its value, for `/api/v1/status/flags`.
    var flagValues: [String: String] {
        [
            "config.file": configFile ?? "", "web.listen-address": listenAddress, "storage.tsdb.path": storagePath,
            "storage.tsdb.retention.time": retentionTime, "storage.tsdb.retention.size": retentionSize, "storage.tsdb.max-series": String(maxSeries),
            "storage.tsdb.wal-sync-interval": walSyncInterval, "storage.tsdb.future-tolerance": futureTolerance,
            "storage.remote.wal-hold-max-age": walHoldMaxAge, "storage.remote.wal-hold-max-size": walHoldMaxSize, "web.enable-lifecycle": String(enableLifecycle),
            "web.enable-admin-api": String(enableAdminAPI), "web.enable-remote-write-receiver": String(enableRemoteWriteReceiver), "web.cors.origin": corsOrigin, "query.timeout": queryTimeout,
            "query.max-samples": String(queryMaxSamples), "query.max-memory": queryMaxMemory, "query.max-concurrency": String(queryMaxConcurrency),
            "query.lookback-delta": queryLookbackDelta, "log.level": logLevel, "web.max-connections": String(maxConnections), "web.read-timeout": readTimeout, "web.config.file": webConfigFile ?? "", "web.audit-log": auditLog ?? "", "web.audit-log.queries": String(auditQueries),
            "web.ui-libraries-path": uiLibrariesPath, "web.dashboards-dir": dashboardsDirectory ?? "",
        ].merging(rules.values) { own, _ in own }.merging(agent.values) { own, _ in own }
    }

    /// How much WAL a lagging remote_write destination may hold.
    func holdLimits() throws -> WALHoldLimits {
        guard let age = PromDuration(parsing: walHoldMaxAge) else {
            throw ValidationError("--storage.remote.wal-hold-max-age: invalid duration \(walHoldMaxAge)")
        }
        guard let size = ByteSize.parse(walHoldMaxSize) else {
            throw ValidationError("--storage.remote.wal-hold-max-size: invalid size \(walHoldMaxSize) (use B, KB, MB, GB, TB)")
        }
        return WALHoldLimits(maxAge: age.milliseconds, maxBytes: size)
    }

    /// The store's settings from the flags.
    func storageOptions() throws -> DBOptions {
        var options = DBOptions()
        guard let retention = PromDuration(parsing: retentionTime), retention.milliseconds > 0 else {
            throw ValidationError("--storage.tsdb.retention.time: invalid duration \(retentionTime)")
        }
        options.retentionTime = retention.milliseconds
        guard let size = ByteSize.parse(retentionSize) else {
            throw ValidationError("--storage.tsdb.retention.size: invalid size \(retentionSize) (use B, KB, MB, GB, TB)")
        }
        options.retentionSize = size
        guard let sync = PromDuration(parsing: walSyncInterval) else {
            throw ValidationError("--storage.tsdb.wal-sync-interval: invalid duration \(walSyncInterval)")
        }
        options.wal.syncPolicy = sync.milliseconds == 0 ? .everyCommit : .interval(sync.duration)
        guard let tolerance = PromDuration(parsing: futureTolerance) else {
            throw ValidationError("--storage.tsdb.future-tolerance: invalid duration \(futureTolerance)")
        }
        options.head.clock = SampleClock(futureTolerance: tolerance.milliseconds)
        guard maxSeries >= 0 else { throw ValidationError("--storage.tsdb.max-series must not be negative") }
        options.head.maxSeries = maxSeries
        return options
    }

    func run() async throws {
        ServerLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "metricsd")
        let (host, port) = ListenAddress.split(listenAddress)!
        let (config, configText) = try loadConfig(host: host, port: port, logger: logger)
        if agent.enabled {
            do {
                try AgentFlags.check(config)
            } catch {
                logger.error("error loading config", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
            try await runAgent(config: config, configText: configText, host: host, port: port, logger: logger)
        } else {
            try await runServer(config: config, configText: configText, host: host, port: port, logger: logger)
        }
    }

    /// `--config.file`, or the embedded default that scrapes metricsd itself and a node exporter.
    func loadConfig(host: String, port: Int, logger: Logger) throws -> (PrometheusConfig, String) {
        do {
            if let configFile {
                let text = try String(contentsOfFile: configFile, encoding: .utf8)
                let config = try PrometheusConfig.load(yaml: text, source: configFile)
                    .resolvingPaths(relativeTo: PrometheusConfig.directory(of: configFile))
                return (config, text)
            }
            let selfAddress = (host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host) + ":\(port)"
            let text = DefaultConfig.yaml(selfAddress: selfAddress)
            return (try PrometheusConfig.load(yaml: text, source: "<embedded default>"), text)
        } catch {
            logger.error("error loading config", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// The API options with `--web.max-connections` held below half the open-file limit.
    func cappedAPIOptions(logger: Logger) throws -> APIServer.Options {
        var serverOptions = try apiOptions()
        let fileLimit = FileLimit.raiseToHard(logger: logger)
        let connectionCap = FileLimit.connectionCap(requested: serverOptions.maxConnections, fileLimit: fileLimit)
        if connectionCap != serverOptions.maxConnections {
            logger.warning("--web.max-connections lowered to half the open-file limit", metadata: [
                "requested": "\(serverOptions.maxConnections)", "open_file_limit": "\(fileLimit)", "max_connections": "\(connectionCap)",
            ])
            serverOptions.maxConnections = connectionCap
        }
        return serverOptions
    }

    /// The full server: store, scraping, rules, notifications, remote write and the API.
    func runServer(config: PrometheusConfig, configText: String, host: String, port: Int, logger: Logger) async throws {
        var options = try storageOptions()
        options.head.outOfOrderWindow = config.storage.outOfOrderTimeWindow.milliseconds
        let db: DB
        do {
            db = try DB(path: storagePath, options: options, logger: logger)
        } catch {
            logger.error("error opening storage", metadata: ["path": "\(storagePath)", "error": "\(error)"])
            throw ExitCode(1)
        }
        let targets = TargetStatusBoard()
        let remote = RemoteStorage(context: .init(
            walDirectory: db.path + "/wal", wal: db.head.wal, progressRoot: db.path + "/remote", limits: try holdLimits(),
            samplesAppended: { db.head.stats.samplesAppended }, metadata: { ScrapeTargets(board: targets).familyMetadata() },
            logger: logger))
        do {
            try await remote.apply(config)
        } catch {
            logger.error("error starting remote write", metadata: ["error": "\(error)"])
            db.close()
            throw ExitCode(1)
        }
        let scraper = ScrapeManager(config: config, store: db, status: targets, logger: logger)
        let remoteRead = RemoteReadStorage()
        remoteRead.apply(config)
        // Prometheus's rule for `read_recent: false`: the oldest block's start (the clock's time while
        // there is none), plus two evaluation intervals for a restart's gap.
        let reads = SecondaryReads(storage: remoteRead) {
            (db.blocks.first?.minTime ?? Timestamps.now()) + 2 * scraper.config.global.evaluationInterval.milliseconds
        }
        let notifier = Notifier(capacity: self.rules.notificationQueueCapacity, logger: logger)
        let rules = RuleManager(
            store: db, querier: try ruleQuerier(db, reads: reads), options: try self.rules.options(listenPort: port), notify: { notifier.send($0) }, logger: logger)
        do {
            try await rules.apply(config)
        } catch {
            logger.error("error loading rules", metadata: ["error": "\(error)"])
            db.close()
            throw ExitCode(1)
        }
        await notifier.apply(config)
        let runtime = ServerRuntime(flags: flagValues, storageRetention: retentionTime, configText: configText)
        let reloader = ConfigReloader(configFile: configFile, apply: { config in
            // Rules load first: a rule file that fails rejects the whole reload.
            try await rules.apply(config)
            await scraper.apply(config)
            await notifier.apply(config)
            try await remote.apply(config)
            remoteRead.apply(config)
        }, runtime: runtime, logger: logger)
        let reload: (@Sendable () async throws -> Void)? = enableLifecycle ? { @Sendable in try await reloader.reload() } : nil
        let serverOptions = try cappedAPIOptions(logger: logger)
        let server = APIServer(
            db: db, secondary: reads, targets: ScrapeTargets(board: targets), rules: RuleReports(manager: rules, notifier: notifier),
            extraMetrics: {
                var text = MetricsText()
                remote.writeMetrics(to: &text)
                remoteRead.writeMetrics(to: &text)
                return rules.metrics.render() + notifier.renderMetrics() + text.text
            }, reload: reload, config: { scraper.config }, options: serverOptions, runtime: runtime
        ).application(host: host, port: port, logger: logger)
        let storage = StorageService(db: db, interval: .seconds(60), logger: logger)
        logger.info("metricsd starting", metadata: ["version": "\(BuildInfo.version)", "listen": "\(listenAddress)", "storage": "\(storagePath)"])
        // Shutdown runs in reverse: rule groups stop, the notifier sends what is queued, scrapers
        // stop, remote write queues stop after their sends in flight, then the server, then the
        // store closes.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: storage), .init(service: remoteRead), .init(service: server), .init(service: remote), .init(service: scraper), .init(service: notifier), .init(service: rules),
                    .init(service: reloader),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

}
