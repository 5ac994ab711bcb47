import ArgumentParser
import Foundation
import Logging
import MetricsModel
import QueryAPI
import Scraper
import ServiceLifecycle
import TSDB

/// `metricsd`: the agent and store. Flag names follow Prometheus's where they overlap.
@main
struct Metricsd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsd",
        abstract: "ToolboxMetrics: a Prometheus-compatible metrics agent and store.",
        discussion: """
            Without --config.file, metricsd scrapes itself and a node exporter on 127.0.0.1:9100 every 15 s.
            Endpoints so far: /metrics, /-/healthy, /-/ready, /health, /ready, /api/v1/targets.
            """,
        version: BuildInfo.version
    )

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file (global and scrape_configs with static_configs).")
    var configFile: String?

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for the API and self-metrics.")
    var listenAddress = "127.0.0.1:9090"

    @Option(name: .customLong("log.level"), help: "debug, info, warn or error.")
    var logLevel = "info"

    func validate() throws {
        guard Self.splitAddress(listenAddress) != nil else {
            throw ValidationError("--web.listen-address must be host:port, got \(listenAddress)")
        }
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
        let logger = Logger(label: "metricsd")
        let (host, port) = Self.splitAddress(listenAddress)!

        let config: PrometheusConfig
        do {
            if let configFile {
                let text = try String(contentsOfFile: configFile, encoding: .utf8)
                config = try PrometheusConfig.load(yaml: text, source: configFile)
            } else {
                let selfAddress = (host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host) + ":\(port)"
                config = try PrometheusConfig.load(yaml: DefaultConfig.yaml(selfAddress: selfAddress), source: "<embedded default>")
            }
        } catch {
            logger.error("error loading config", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }

        let head = Head()
        let targets = TargetStatusBoard()
        let scraper = ScrapeManager(config: config, store: head, status: targets, logger: logger)
        let server = APIServer(head: head, targets: targets).application(host: host, port: port, logger: logger)
        logger.info("metricsd starting", metadata: ["version": "\(BuildInfo.version)", "listen": "\(listenAddress)"])
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server), .init(service: scraper)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// Splits `host:port` (IPv6 in brackets); nil when malformed.
    static func splitAddress(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
