import Dispatch
import Logging
import ServiceLifecycle
import TSDB

/// Runs the store's upkeep (head compaction, block merging, retention) every minute on its own
/// queue, off the cooperative pool and the event loops, and closes the store on shutdown after
/// the scrapers and the server have stopped.
struct StorageService: Service {
    let db: DB
    let interval: Duration
    let logger: Logger
    private static let queue = DispatchQueue(label: "metricsd.storage-maintenance", qos: .utility)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await withCheckedContinuation { continuation in
                    Self.queue.async {
                        db.runMaintenance()
                        continuation.resume()
                    }
                }
            }
        }
        db.close()
        logger.info("storage closed")
    }
}
