import Dispatch
import Logging
import ServiceLifecycle
import TSDB

/// Truncates the agent's WAL every `--storage.agent.wal-truncate-frequency` on its own queue, and
/// closes it on shutdown after the scrapers and remote write have stopped.
struct AgentStorageService: Service {
    let store: AgentStore
    let interval: Duration
    let logger: Logger
    private static let queue = DispatchQueue(label: "metricsd.agent-truncation", qos: .utility)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await withCheckedContinuation { continuation in
                    Self.queue.async {
                        do {
                            try store.truncate()
                        } catch {
                            logger.error("agent WAL truncation failed; trying again next time", metadata: ["error": "\(error)"])
                        }
                        continuation.resume()
                    }
                }
            }
        }
        store.close()
        logger.info("agent storage closed")
    }
}
