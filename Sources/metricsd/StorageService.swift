import Dispatch
import Logging
import ServiceLifecycle
import TSDB

/// Runs a store's upkeep every `interval` on its own queue, off the cooperative pool and the
/// event loops, and closes the store on shutdown after the scrapers and the server have stopped:
/// the full store's compaction and retention, or the agent's WAL truncation.
struct StorageService: Service {
    let interval: Duration
    let logger: Logger
    let upkeep: @Sendable () -> Void
    let close: @Sendable () -> Void
    private static let queue = DispatchQueue(label: "metricsd.storage-maintenance", qos: .utility)

    /// Head compaction, block merging and retention every minute.
    init(db: DB, interval: Duration, logger: Logger) {
        self.init(interval: interval, logger: logger, upkeep: { db.runMaintenance() }, close: { db.close() })
    }

    /// The agent's WAL truncation every `--storage.agent.wal-truncate-frequency`.
    init(agent store: AgentStore, interval: Duration, logger: Logger) {
        self.init(interval: interval, logger: logger, upkeep: {
            do {
                try store.truncate()
            } catch {
                logger.error("agent WAL truncation failed; trying again next time", metadata: ["error": "\(error)"])
            }
        }, close: { store.close() })
    }

    init(interval: Duration, logger: Logger, upkeep: @escaping @Sendable () -> Void, close: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.logger = logger
        self.upkeep = upkeep
        self.close = close
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await withCheckedContinuation { continuation in
                    Self.queue.async {
                        upkeep()
                        continuation.resume()
                    }
                }
            }
        }
        close()
        logger.info("storage closed")
    }
}
