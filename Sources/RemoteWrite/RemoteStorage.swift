import AsyncHTTPClient
import Config
import Foundation
import Logging
import MetricsModel
import ServiceLifecycle
import Synchronization
import TSDB

/// How much WAL a lagging destination may hold back from deletion. Past either limit its oldest
/// failing batches are dropped (and counted) instead of waiting.
package struct WALHoldLimits: Sendable {
    /// Milliseconds; 0 is no limit.
    package var maxAge: Int64
    /// Bytes; 0 is no limit.
    package var maxBytes: Int64

    package init(maxAge: Int64 = 6 * 3_600_000, maxBytes: Int64 = 0) {
        self.maxAge = maxAge
        self.maxBytes = maxBytes
    }
}

/// metricsd's `remote_write`: one `WriteQueue` per destination, each reading the WAL on its own.
/// Reloads keep the queues whose settings did not change; a changed one stops and its successor
/// starts from where it stopped; a removed one stops and forgets its progress.
package final class RemoteStorage: Service, Sendable {
    /// What every queue shares.
    package struct Context: Sendable {
        let walDirectory: String
        /// The writer's WAL, for holds and for noticing new writes; nil when reading a WAL another process writes.
        let wal: WAL?
        /// `<storage>/remote`: a directory per destination with its progress.
        let progressRoot: String
        let limits: WALHoldLimits
        let metrics: RemoteWriteMetrics
        /// The store's running count of appended samples: the arrival rate resharding follows.
        let samplesAppended: @Sendable () -> UInt64
        /// Every metric family's metadata, for `metadata_config`.
        let metadata: @Sendable () -> [(family: String, metadata: MetricMetadata)]
        let logger: Logger

        package init(
            walDirectory: String, wal: WAL?, progressRoot: String, limits: WALHoldLimits = WALHoldLimits(),
            samplesAppended: @escaping @Sendable () -> UInt64, metadata: @escaping @Sendable () -> [(family: String, metadata: MetricMetadata)],
            logger: Logger
        ) {
            self.walDirectory = walDirectory
            self.wal = wal
            self.progressRoot = progressRoot
            self.limits = limits
            metrics = RemoteWriteMetrics()
            self.samplesAppended = samplesAppended
            self.metadata = metadata
            self.logger = logger
        }
    }

    struct Running: Sendable {
        let queue: WriteQueue
        let externalLabels: [String: String]
    }

    let context: Context
    let userAgent: String
    private let queues = Mutex<[String: Running]>([:])
    private let starts: AsyncStream<WriteQueue>
    private let startQueue: AsyncStream<WriteQueue>.Continuation

    package init(context: Context, userAgent: String = "ToolboxMetrics/\(BuildInfo.version)") {
        self.context = context
        self.userAgent = userAgent
        (starts, startQueue) = AsyncStream.makeStream(of: WriteQueue.self)
    }

    /// The destinations of `config`, keyed by name, or by URL (with an ordinal for repeats).
    static func keyed(_ config: PrometheusConfig) -> [(key: String, config: RemoteWriteConfig)] {
        var seen: [String: Int] = [:]
        return config.remoteWrite.map { remote in
            guard remote.name.isEmpty else { return (remote.name, remote) }
            let count = seen[remote.url, default: 0]
            seen[remote.url] = count + 1
            return (count == 0 ? remote.url : "\(remote.url)#\(count)", remote)
        }
    }

    /// Starts, keeps, replaces and stops queues to match `config`.
    package func apply(_ config: PrometheusConfig) async throws {
        let wanted = Self.keyed(config)
        let wantedKeys = Set(wanted.map(\.key))
        let current = queues.withLock { $0 }
        for (key, running) in current where !wantedKeys.contains(key) {
            running.queue.stop()
            await running.queue.waitUntilFinished()
            context.wal?.releaseHold(key)
            try? FileManager.default.removeItem(atPath: running.queue.progressDirectory)
            _ = queues.withLock { $0.removeValue(forKey: key) }
            context.logger.info("remote write destination removed", metadata: ["url": "\(running.queue.config.url)"])
        }
        for (key, remote) in wanted {
            if let running = current[key] {
                if running.queue.config == remote && running.externalLabels == config.global.externalLabels { continue }
                running.queue.stop()
                await running.queue.waitUntilFinished()
            }
            let queue = try WriteQueue(key: key, config: remote, externalLabels: config.global.externalLabels, context: context)
            queues.withLock { $0[key] = Running(queue: queue, externalLabels: config.global.externalLabels) }
            startQueue.yield(queue)
        }
    }

    /// Runs queues as `apply` starts them. On shutdown every queue stops after its send in flight;
    /// one still waiting after `shutdownGrace` is cancelled (its round stays in the WAL and is sent
    /// after the restart).
    package func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await withTaskGroup(of: Bool.self) { group in
            var started = 0
            await withGracefulShutdownHandler {
                for await queue in starts {
                    let sender = RemoteWriteClient(config: queue.config, client: client, userAgent: userAgent)
                    group.addTask {
                        await queue.run(client: sender)
                        return false
                    }
                    started += 1
                }
            } onGracefulShutdown: {
                self.startQueue.finish()
                for running in self.queues.withLock({ Array($0.values) }) { running.queue.stop() }
            }
            group.addTask {
                try? await Task.sleep(for: Self.shutdownGrace)
                return true
            }
            while started > 0, let timedOut = await group.next() {
                if timedOut {
                    group.cancelAll()
                    break
                }
                started -= 1
            }
            group.cancelAll()
        }
        try? await client.shutdown()
    }

    static let shutdownGrace: Duration = .seconds(5)

    /// A short stable hex digest (FNV-1a, 64 bits) for directory names and `remote_name`.
    package static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    // MARK: Self-metrics

    /// The `prometheus_remote_storage_*` families and the WAL readers' positions.
    package func writeMetrics(to text: inout MetricsText) {
        let running = queues.withLock { Array($0.values) }.map(\.queue).sorted { $0.key < $1.key }
        guard !running.isEmpty else { return }
        context.metrics.write(to: &text)
        let labels = RemoteWriteMetrics.labels
        let statuses = running.map { ($0, $0.status.withLock { $0 }) }
        func gauge(_ name: String, _ help: String, _ value: (WriteQueue, WriteQueue.Status) -> Double) {
            text.header(name, "gauge", help)
            for (queue, status) in statuses { text.sample(name, labels, queue.labelValues, value(queue, status)) }
        }
        gauge("prometheus_remote_storage_samples_pending", "The number of samples pending in the queues shards to be sent to the remote storage.") { Double($1.pending) }
        gauge("prometheus_remote_storage_shards", "The number of shards used for parallel sending to the remote storage.") { Double($1.shards) }
        gauge("prometheus_remote_storage_shards_desired", "The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.") { Double($1.desiredShards) }
        gauge("prometheus_remote_storage_shards_min", "The minimum number of shards that the queue is allowed to run.") { queue, _ in Double(queue.config.queue.minShards) }
        gauge("prometheus_remote_storage_shards_max", "The maximum number of shards that the queue is allowed to run.") { queue, _ in Double(queue.config.queue.maxShards) }
        gauge("prometheus_remote_storage_max_samples_per_send", "The maximum number of samples to be sent, in a single request, to the remote storage.") { queue, _ in
            Double(queue.config.queue.maxSamplesPerSend)
        }
        gauge("prometheus_remote_storage_queue_highest_sent_timestamp_seconds", "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.") {
            Double($1.highestSent) / 1000
        }
        // Measured here, when asked, rather than after every round the queue sends.
        gauge("metricsd_remote_storage_wal_held_bytes", "WAL bytes this destination has still to send, which the WAL keeps for it.") { queue, status in
            Double(WriteQueue.heldBytes(walDirectory: self.context.walDirectory, from: status.position))
        }
        text.header("prometheus_wal_watcher_current_segment", "gauge", "Current segment the WAL watcher is reading records from.")
        for (queue, status) in statuses { text.sample("prometheus_wal_watcher_current_segment", ["consumer"], [queue.remoteName], Double(status.position.segment)) }
    }
}
