import AsyncHTTPClient
import Config
import Foundation
import Logging
import MetricsModel
import RemoteProtocol
import RemoteWrite
import Relabel
import Scraper
import Synchronization

/// Samples on their way to one `remote_write` receiver: a bounded queue (the oldest dropped when it
/// is full, and counted), sent in batches of `max_samples_per_send` as snappy-compressed protobuf
/// (remote write 1.0) through `RemoteWriteClient`. A batch the receiver refuses with 5xx or 429, or
/// that gets no answer, is retried with doubling backoff between `min_backoff` and `max_backoff`
/// (longer when it says `Retry-After`); one refused with another 4xx is dropped, as Prometheus
/// drops it. Unlike metricsd's WAL-backed queues, this one lives in memory: the standalone alertd
/// has no WAL.
final class RemoteWriteQueue: Sendable {
    let config: RemoteWriteConfig
    /// Added to every series that lacks them, before `write_relabel_configs`, as Prometheus sends them.
    let externalLabels: [String: String]
    let logger: Logger
    private let state = Mutex(State())
    private let wake: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    struct State {
        var queue: [(Labels, Sample)] = []
        var sent = 0.0
        var failed = 0.0
        var retried = 0.0
        var dropped = 0.0
        /// Set at shutdown: batches that fail now are not retried.
        var stopping = false
    }

    init(config: RemoteWriteConfig, externalLabels: [String: String], logger: Logger) {
        self.config = config
        self.externalLabels = externalLabels
        self.logger = logger
        (wake, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var name: String { config.name.isEmpty ? config.url : config.name }

    func enqueue(_ samples: [(Labels, Sample)]) {
        let labeled = externalLabels.isEmpty ? samples : samples.map { labels, sample in
            var builder = LabelsBuilder(labels)
            for (name, value) in externalLabels where !builder.has(name) { builder.set(name, value) }
            return (builder.labels(), sample)
        }
        let relabeled = config.writeRelabelConfigs.isEmpty ? labeled : labeled.compactMap { labels, sample in
            Relabeler.process(labels, config.writeRelabelConfigs).map { ($0, sample) }
        }
        guard !relabeled.isEmpty else { return }
        state.withLock { state in
            state.queue += relabeled
            let capacity = config.queue.capacity * max(config.queue.maxShards, 1)
            if state.queue.count > capacity {
                let overflow = state.queue.count - capacity
                state.queue.removeFirst(overflow)
                state.dropped += Double(overflow)
            }
        }
        signal.yield()
    }

    /// Sends until cancelled, then once more for what is queued.
    func run(client: HTTPClient) async {
        let sender = RemoteWriteClient(config: config, client: client, userAgent: "ToolboxMetrics-alertd/\(BuildInfo.version)")
        for await _ in wake {
            if Task.isCancelled { break }
            await drain(sender)
        }
        await drain(sender, finalAttempt: true)
    }

    func finish() {
        state.withLock { $0.stopping = true }
        signal.finish()
    }

    private func drain(_ sender: RemoteWriteClient, finalAttempt: Bool = false) async {
        while let batch = nextBatch() {
            var backoff = Duration.milliseconds(config.queue.minBackoff.milliseconds)
            let body = Self.encode(batch)
            while true {
                switch await sender.send(body).0 {
                case .sent:
                    state.withLock { $0.sent += Double(batch.count) }
                case .refused(let status, let message):
                    logger.error("remote write refused; dropping the batch", metadata: ["url": "\(config.url)", "status": "\(status)", "error": "\(message)", "samples": "\(batch.count)"])
                    state.withLock { $0.failed += Double(batch.count) }
                case .retry(let after, let reason):
                    if finalAttempt || Task.isCancelled || state.withLock({ $0.stopping }) {
                        state.withLock { $0.failed += Double(batch.count) }
                        return
                    }
                    logger.warning("remote write failed; retrying", metadata: ["url": "\(config.url)", "error": "\(reason)"])
                    state.withLock { $0.retried += Double(batch.count) }
                    try? await Task.sleep(for: after.map { max($0, backoff) } ?? backoff)
                    backoff = min(backoff * 2, .milliseconds(config.queue.maxBackoff.milliseconds))
                    continue
                }
                break
            }
        }
    }

    private func nextBatch() -> [(Labels, Sample)]? {
        state.withLock { state in
            guard !state.queue.isEmpty else { return nil }
            let count = min(config.queue.maxSamplesPerSend, state.queue.count)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
    }

    /// A `WriteRequest` with each series once, its samples in order.
    static func encode(_ batch: [(Labels, Sample)]) -> [UInt8] {
        var bySeries: [Labels: [Sample]] = [:]
        var order: [Labels] = []
        for (labels, sample) in batch {
            if bySeries[labels] == nil { order.append(labels) }
            bySeries[labels, default: []].append(sample)
        }
        var encoder = WriteRequestEncoder()
        for labels in order { encoder.appendSeries(labelFields: WriteRequestEncoder.labelFields(labels), samples: bySeries[labels]![...]) }
        return encoder.bytes
    }

    var counts: State { state.withLock { $0 } }
}
