import AsyncHTTPClient
import Config
import Foundation
import Logging
import MetricsModel
import NIOCore
import RemoteProtocol
import Relabel
import Scraper
import Synchronization

/// Samples on their way to one `remote_write` receiver: a bounded queue (the oldest dropped when it
/// is full, and counted), sent in batches of `max_samples_per_send` as snappy-compressed protobuf
/// (remote write 1.0). A batch the receiver refuses with 5xx or 429, or that gets no answer, is
/// retried with doubling backoff between `min_backoff` and `max_backoff`; one refused with another
/// 4xx is dropped, as Prometheus drops it.
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
        for await _ in wake {
            if Task.isCancelled { break }
            await drain(client: client)
        }
        await drain(client: client, finalAttempt: true)
    }

    func finish() {
        state.withLock { $0.stopping = true }
        signal.finish()
    }

    private func drain(client: HTTPClient, finalAttempt: Bool = false) async {
        while let batch = nextBatch() {
            var backoff = config.queue.minBackoff.milliseconds
            while true {
                switch await send(batch, client: client) {
                case .sent:
                    state.withLock { $0.sent += Double(batch.count) }
                case .refused:
                    state.withLock { $0.failed += Double(batch.count) }
                case .retry:
                    if finalAttempt || Task.isCancelled || state.withLock({ $0.stopping }) {
                        state.withLock { $0.failed += Double(batch.count) }
                        return
                    }
                    state.withLock { $0.retried += Double(batch.count) }
                    try? await Task.sleep(for: .milliseconds(backoff))
                    backoff = min(backoff * 2, config.queue.maxBackoff.milliseconds)
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

    enum Outcome { case sent, refused, retry }

    private func send(_ batch: [(Labels, Sample)], client: HTTPClient) async -> Outcome {
        var bySeries: [Labels: [Sample]] = [:]
        var order: [Labels] = []
        for (labels, sample) in batch {
            if bySeries[labels] == nil { order.append(labels) }
            bySeries[labels, default: []].append(sample)
        }
        let request = RemoteWriteRequest(timeseries: order.map { labels in
            RemoteTimeSeries(labels: labels.map { ($0.name, $0.value) }, samples: bySeries[labels]!)
        })
        do {
            var http = HTTPClientRequest(url: config.url)
            http.method = .POST
            http.headers.add(name: "Content-Encoding", value: "snappy")
            http.headers.add(name: "Content-Type", value: "application/x-protobuf")
            http.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
            http.headers.add(name: "User-Agent", value: "ToolboxMetrics-alertd/\(BuildInfo.version)")
            for (name, value) in config.headers { http.headers.add(name: name, value: value) }
            if let authorization = try config.http.authorizationHeader() { http.headers.add(name: "Authorization", value: authorization) }
            if let tls = try config.http.tlsConfig.nioConfiguration() { http.tlsConfiguration = tls }
            http.body = .bytes(ByteBuffer(bytes: Snappy.compress(request.encode())))
            let response = try await client.execute(http, timeout: .milliseconds(config.remoteTimeout.milliseconds))
            let text = String(buffer: (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer())
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return .sent }
            if code >= 500 || (code == 429 && config.queue.retryOnHTTP429) {
                logger.warning("remote write failed; retrying", metadata: ["url": "\(config.url)", "status": "\(code)", "error": "\(text.prefix(200))"])
                return .retry
            }
            logger.error("remote write refused; dropping the batch", metadata: ["url": "\(config.url)", "status": "\(code)", "error": "\(text.prefix(200))", "samples": "\(batch.count)"])
            return .refused
        } catch {
            logger.warning("remote write failed; retrying", metadata: ["url": "\(config.url)", "error": "\(error)"])
            return .retry
        }
    }

    var counts: State { state.withLock { $0 } }
}
