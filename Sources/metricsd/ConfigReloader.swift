import Config
import Foundation
import Logging
import QueryAPI
import RemoteWrite
import Scraper
import ServiceLifecycle
import UnixSignals
import TSDB
import alertd

/// Re-reads `--config.file` on SIGHUP or `POST /-/reload` and applies it to the rule manager, the
/// scrape manager, the notifier and remote write.
/// A configuration that fails to load is rejected and the running one stays.
struct ConfigReloader: Service {
    let configFile: String?
    let scraper: ScrapeManager<DB>
    let rules: RuleManager<DB>
    let notifier: Notifier
    let remote: RemoteStorage
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
            // Rules load first: a rule file that fails rejects the whole reload.
            try await rules.apply(config)
            await scraper.apply(config)
            await notifier.apply(config)
            try await remote.apply(config)
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
