import ArgumentParser
import AsyncHTTPClient
import Config
import Foundation
import Logging
import MetricsModel
import QueryAPI
import ServiceLifecycle
import alertd

/// `alertd`: rule evaluation as its own tier. Queries any Prometheus-compatible server, writes
/// recording-rule results and `ALERTS` through remote write, and notifies Alertmanager.
@main
struct Alertd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertd",
        abstract: "ToolboxMetrics alertd: Prometheus rule files evaluated against any Prometheus-compatible server.",
        discussion: """
            The configuration file is Prometheus's format; alertd reads global (evaluation_interval, rule_query_offset, \
            external_labels), rule_files, alerting and remote_write, and ignores scrape_configs. Every rule expression \
            is sent to --datasource.url (metricsd, Prometheus or VictoriaMetrics) as an instant query; results and ALERTS go \
            to each remote_write receiver, so rules that read other rules' results see them once the receiver has them. \
            After a start, alerts' for state is restored from ALERTS_FOR_STATE on the datasource. SIGHUP, or POST /-/reload \
            with --web.enable-lifecycle, re-reads the configuration and rule files.
            """,
        version: BuildInfo.version)

    @Option(name: .customLong("config.file"), help: "Prometheus-format configuration: rule_files, alerting, remote_write, global.")
    var configFile: String

    @Option(name: .customLong("datasource.url"), help: "Base URL of the Prometheus-compatible server rules query.")
    var datasourceURL: String

    @Option(name: .customLong("datasource.http.config.file"), help: "Authentication and TLS for the datasource, in Prometheus's http_config format.")
    var datasourceHTTPConfig: String?

    @Option(name: .customLong("datasource.timeout"), help: "How long one rule's query may take.")
    var datasourceTimeout = "2m"

    @Option(name: .customLong("web.listen-address"), help: "Address for the rules API, health and self-metrics.")
    var listenAddress = "127.0.0.1:9096"

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable reload via HTTP request (POST /-/reload).")
    var enableLifecycle = false

    @OptionGroup var rules: RuleFlags

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.")
    var logLevel = "info"

    func validate() throws {
        guard let url = URL(string: datasourceURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--datasource.url must be an http(s) URL, got \(datasourceURL)")
        }
        guard ListenAddress.split(listenAddress) != nil else { throw ValidationError("--web.listen-address must be host:port, got \(listenAddress)") }
        guard PromDuration(parsing: datasourceTimeout).map({ $0.milliseconds > 0 }) == true else {
            throw ValidationError("--datasource.timeout: invalid duration \(datasourceTimeout)")
        }
    }

    func run() async throws {
        ServerLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "alertd")
        let config: PrometheusConfig
        do {
            config = try Self.load(configFile)
        } catch {
            logger.error("error loading config", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        var datasource = HTTPClientConfig()
        if let datasourceHTTPConfig {
            do {
                datasource = try HTTPClientConfig.load(file: datasourceHTTPConfig)
            } catch {
                logger.error("error loading --datasource.http.config.file", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
        }
        if config.remoteWrite.isEmpty {
            logger.warning("no remote_write configured: recording-rule results and ALERTS are computed but not stored anywhere")
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let querier = RemoteQuerier(
            url: datasourceURL, client: client, http: datasource, timeout: PromDuration(parsing: datasourceTimeout)!.milliseconds)
        let output = RemoteWriteStore(configs: config.remoteWrite, externalLabels: config.global.externalLabels, logger: logger)
        let (host, port) = ListenAddress.split(listenAddress)!
        let notifier = Notifier(capacity: self.rules.notificationQueueCapacity, logger: logger)
        let rules = RuleManager(
            store: output, querier: querier, options: try self.rules.options(listenPort: port), notify: { notifier.send($0) }, logger: logger)
        do {
            try await rules.apply(config)
        } catch {
            logger.error("error loading rules", metadata: ["error": "\(error)"])
            try await client.shutdown()
            throw ExitCode(1)
        }
        await notifier.apply(config)
        let reloader = AlertdReloader(configFile: configFile, rules: rules, notifier: notifier, logger: logger)
        let reload: (@Sendable () async throws -> Void)? = enableLifecycle ? { @Sendable in try await reloader.reload() } : nil
        let metrics: @Sendable () -> String = { rules.metrics.render() + notifier.renderMetrics() + output.renderMetrics() }
        let server = RuleServer(rules: RuleReports(manager: rules, notifier: notifier), metrics: metrics, reload: reload)
            .application(host: host, port: port, logger: logger)
        logger.info("alertd starting", metadata: ["version": "\(BuildInfo.version)", "listen": "\(listenAddress)", "datasource": "\(datasourceURL)"])
        // Shutdown runs in reverse: rule groups stop, notifications and results drain, the server stops.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server), .init(service: output), .init(service: notifier), .init(service: rules), .init(service: reloader)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func load(_ path: String) throws -> PrometheusConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try PrometheusConfig.load(yaml: text, source: path).resolvingPaths(relativeTo: PrometheusConfig.directory(of: path))
    }

}
