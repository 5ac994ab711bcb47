import Config
import Foundation
import Logging
import QueryAPI
import ServiceLifecycle
import UnixSignals

/// Re-reads `--config.file` on SIGHUP or `POST /-/reload` and applies it: to the rule manager, the
/// scrape manager, the notifier and remote write (the agent: scraping and remote write).
/// A configuration that fails to load is rejected and the running one stays.
struct ConfigReloader: Service {
    let configFile: String?
    /// Checks the configuration for the mode metricsd runs in (the agent refuses rule files).
    var check: @Sendable (PrometheusConfig) throws -> Void = { _ in }
    /// Applies a loaded configuration; parts that can refuse it (rule files) go first.
    let apply: @Sendable (PrometheusConfig) async throws -> Void
    let runtime: ServerRuntime
    let logger: Logger

    /// Loads and applies the file; throws the load error, leaving the old configuration running.
    func reload() async throws {
        guard let configFile else {
            logger.info("reload requested; running on the embedded default config, nothing to reload")
            return
        }
        do {
            let text = try String(contentsOfFile: configFile, encoding: .utf8)
            let config = try PrometheusConfig.load(yaml: text, source: configFile)
                .resolvingPaths(relativeTo: PrometheusConfig.directory(of: configFile))
            try check(config)
            try await apply(config)
            runtime.configLoaded(text)
            logger.info("completed loading of configuration file", metadata: ["filename": "\(configFile)"])
        } catch {
            runtime.reloadFailed()
            logger.error("error reloading config; keeping the running configuration", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Waits for SIGHUP until shutdown.
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                try? await reload()
            }
        }
    }
}
