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

    @Option(name: .customLong("web.external-url"), help: "URL alerts link back to (generatorURL) and templates' externalURL; default http://<hostname>:<port>.")
    var externalURL: String?

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable reload via HTTP request (POST /-/reload).")
    var enableLifecycle = false

    @Option(name: .customLong("rules.alert.for-outage-tolerance"), help: "Max time to tolerate an outage for restoring \"for\" state of alerts.")
    var forOutageTolerance = "1h"

    @Option(name: .customLong("rules.alert.for-grace-period"), help: "Minimum duration between alert and restored \"for\" state.")
    var forGracePeriod = "10m"

    @Option(name: .customLong("rules.alert.resend-delay"), help: "Minimum amount of time to wait before resending an alert to Alertmanager.")
    var resendDelay = "1m"

    @Option(name: .customLong("alertmanager.notification-queue-capacity"), help: "The capacity of the queue for pending Alertmanager notifications.")
    var notificationQueueCapacity = 10_000

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.")
    var logLevel = "info"

    func validate() throws {
        guard let url = URL(string: datasourceURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--datasource.url must be an http(s) URL, got \(datasourceURL)")
        }
        guard Self.splitAddress(listenAddress) != nil else { throw ValidationError("--web.listen-address must be host:port, got \(listenAddress)") }
        _ = try ruleOptions()
        guard PromDuration(parsing: datasourceTimeout).map({ $0.milliseconds > 0 }) == true else {
            throw ValidationError("--datasource.timeout: invalid duration \(datasourceTimeout)")
        }
        guard notificationQueueCapacity > 0 else { throw ValidationError("--alertmanager.notification-queue-capacity must be positive") }
    }

    func ruleOptions() throws -> RuleManager<RemoteWriteStore>.Options {
        var options = RuleManager<RemoteWriteStore>.Options()
        func milliseconds(_ text: String, _ flag: String) throws -> Int64 {
            guard let duration = PromDuration(parsing: text) else { throw ValidationError("--\(flag): invalid duration \(text)") }
            return duration.milliseconds
        }
        options.outageTolerance = try milliseconds(forOutageTolerance, "rules.alert.for-outage-tolerance")
        options.gracePeriod = try milliseconds(forGracePeriod, "rules.alert.for-grace-period")
        options.resendDelay = try milliseconds(resendDelay, "rules.alert.resend-delay")
        if let externalURL {
            options.externalURL = externalURL.hasSuffix("/") ? String(externalURL.dropLast()) : externalURL
        } else {
            options.externalURL = "http://\(ProcessInfo.processInfo.hostName):\(Self.splitAddress(listenAddress)?.1 ?? 9096)"
        }
        return options
    }

    func run() async throws {
        let level: Logger.Level = switch logLevel {
        case "debug": .debug
        case "warn": .warning
        case "error": .error
        default: .info
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
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
        let notifier = Notifier(capacity: notificationQueueCapacity, logger: logger)
        let rules = RuleManager(store: output, querier: querier, options: try ruleOptions(), notify: { notifier.send($0) }, logger: logger)
        do {
            try await rules.apply(config)
        } catch {
            logger.error("error loading rules", metadata: ["error": "\(error)"])
            try await client.shutdown()
            throw ExitCode(1)
        }
        await notifier.apply(config)
        let reloader = AlertdReloader(configFile: configFile, rules: rules, notifier: notifier, logger: logger)
        let (host, port) = Self.splitAddress(listenAddress)!
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

    /// Splits `host:port`; nil when malformed.
    static func splitAddress(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
