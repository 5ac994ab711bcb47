import Config
import Logging
import ServiceLifecycle
import UnixSignals
import alertd

/// Re-reads the configuration and rule files on SIGHUP or `POST /-/reload`; a configuration or rule
/// file that fails to load is rejected and the running one stays.
struct AlertdReloader: Service {
    let configFile: String
    let rules: RuleManager<RemoteWriteStore>
    let notifier: Notifier
    let logger: Logger

    func reload() async throws {
        do {
            let config = try Alertd.load(configFile)
            try await rules.apply(config)
            await notifier.apply(config)
            logger.info("completed loading of configuration file", metadata: ["filename": "\(configFile)"])
        } catch {
            logger.error("error reloading config; keeping the running configuration", metadata: ["error": "\(error)"])
            throw error
        }
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { try? await reload() }
        }
    }
}
