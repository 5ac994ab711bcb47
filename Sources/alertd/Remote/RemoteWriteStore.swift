import AsyncHTTPClient
import Config
import Logging
import MetricsModel
import ServiceLifecycle

/// Rule results written to every `remote_write` receiver, as the store the standalone alertd
/// appends to: a committed transaction is queued on each receiver's queue, with the external labels.
/// The receivers are those of the configuration alertd started with; a reload does not change them.
package final class RemoteWriteStore: Appendable, Service, Sendable {
    package struct Appender: MetricsModel.Appender {
        let store: RemoteWriteStore
        var pending: [(Labels, Sample)] = []

        package mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef {
            pending.append((labels, sample))
            return 0
        }

        package mutating func commit() throws {
            for queue in store.queues { queue.enqueue(pending) }
            pending = []
        }

        package mutating func rollback() { pending = [] }
    }

    let queues: [RemoteWriteQueue]

    package init(configs: [RemoteWriteConfig], externalLabels: [String: String], logger: Logger) {
        queues = configs.map { RemoteWriteQueue(config: $0, externalLabels: externalLabels, logger: logger) }
    }

    package func appender() -> Appender { Appender(store: self) }

    package func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await withTaskGroup(of: Void.self) { group in
            for queue in queues { group.addTask { await queue.run(client: client) } }
            try? await gracefulShutdown()
            for queue in queues { queue.finish() }
        }
        try await client.shutdown()
    }

    /// `prometheus_remote_storage_*` counters per receiver.
    package func renderMetrics() -> String {
        guard !queues.isEmpty else { return "" }
        var out = ""
        let counts = queues.map { ($0.name, $0.config.url, $0.counts) }
        func family(_ name: String, _ help: String, _ value: (RemoteWriteQueue.State) -> Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            for (remote, url, state) in counts {
                out += "\(name){remote_name=\(goQuote(remote)),url=\(goQuote(url))} \(GoFloat.formatG(value(state)))\n"
            }
        }
        family("prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.") { $0.sent }
        family("prometheus_remote_storage_samples_failed_total", "Total number of samples which failed on send to remote storage, non-recoverable errors.") { $0.failed }
        family("prometheus_remote_storage_samples_retried_total", "Total number of samples which failed on send to remote storage but were retried.") { $0.retried }
        family("prometheus_remote_storage_samples_dropped_total", "Total number of samples dropped because the queue was full.") { $0.dropped }
        out += "# HELP prometheus_remote_storage_samples_pending The number of samples pending in the queues.\n# TYPE prometheus_remote_storage_samples_pending gauge\n"
        for (remote, url, state) in counts {
            out += "prometheus_remote_storage_samples_pending{remote_name=\(goQuote(remote)),url=\(goQuote(url))} \(state.queue.count)\n"
        }
        return out
    }
}
