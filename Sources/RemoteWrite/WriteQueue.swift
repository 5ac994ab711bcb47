import Config
import Foundation
import Logging
import MetricsModel
import RemoteProtocol
import Synchronization
import TSDB

/// One `remote_write` destination: reads the WAL from its saved position, sends what it finds in
/// rounds (one batch per shard, in parallel), and saves the position after each acknowledged round.
/// A batch the receiver could not take (5xx, 429, no answer) is sent again with backoff; the WAL
/// keeps its data meanwhile, up to the hold limits.
final class WriteQueue: Sendable {
    /// The identity of a destination across reloads and restarts: its name, or its URL.
    let key: String
    /// Prometheus's `remote_name` label: the name, or a short hash of the URL.
    let remoteName: String
    let config: RemoteWriteConfig
    let transform: SeriesTransform
    let context: RemoteStorage.Context
    let progressDirectory: String
    let start: WALPosition
    let logger: Logger

    /// What the self-metrics show of a running queue.
    struct Status: Sendable {
        var shards = 1
        var desiredShards = 1
        var pending = 0
        var highestSent: Int64 = 0
        /// The last saved position.
        var position = WALPosition(segment: 0, offset: 0)
    }

    let status = Mutex(Status())
    private let stopping = Atomic(false)
    private let finished: AsyncStream<Void>
    private let finish: AsyncStream<Void>.Continuation

    /// Opens the queue's progress (a new destination starts at the end of the WAL, and saves that
    /// at once) and holds the WAL from there.
    init(key: String, config: RemoteWriteConfig, externalLabels: [String: String], context: RemoteStorage.Context) throws {
        self.key = key
        self.config = config
        self.context = context
        remoteName = config.name.isEmpty ? String(RemoteStorage.hash(config.url).prefix(6)) : config.name
        transform = SeriesTransform(
            externalLabels: externalLabels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, relabelConfigs: config.writeRelabelConfigs)
        progressDirectory = context.progressRoot + "/" + RemoteStorage.hash(key)
        var logger = context.logger
        logger[metadataKey: "remote_name"] = "\(remoteName)"
        logger[metadataKey: "url"] = "\(config.url)"
        self.logger = logger
        var progress = QueueProgress(directory: progressDirectory)
        var position: WALPosition
        do {
            if let saved = try progress.load() {
                position = saved
            } else {
                position = try WALTail.end(of: context.walDirectory)
                logger.info("remote write queue starts at the end of the WAL", metadata: ["position": "\(position)"])
            }
        } catch {
            // Re-sending is better than losing: start from the oldest data the WAL has.
            position = WALPosition(segment: 0, offset: 0)
            logger.warning("remote write progress is unreadable; sending again from the oldest WAL data", metadata: ["error": "\(error)"])
        }
        try progress.save(position, remote: key)
        start = position
        (finished, finish) = AsyncStream.makeStream(of: Void.self)
        context.wal?.hold(key, from: position.segment)
        status.withLock { $0.position = position }
        // Every family shows the destination from the start, at 0, as Prometheus's do.
        for counter in [context.metrics.samples, context.metrics.samplesFailed, context.metrics.samplesRetried, context.metrics.samplesDropped,
                        context.metrics.bytes, context.metrics.metadata, context.metrics.metadataFailed, context.metrics.metadataRetried,
                        context.metrics.metadataBytes, context.metrics.segmentsSkipped] {
            counter.add(0, remoteName, config.url)
        }
    }

    /// Asks the queue to stop after the send in flight (an unacknowledged round is sent again by
    /// whoever reads the progress next).
    func stop() { stopping.store(true, ordering: .relaxed) }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Returns once `run` has returned.
    func waitUntilFinished() async {
        for await _ in finished {}
    }

    var labelValues: [String] { [remoteName, config.url] }

    // MARK: Running

    func run(client: RemoteWriteClient) async {
        defer { finish.finish() }
        var reader: QueueReader
        do {
            reader = try QueueReader(walDirectory: context.walDirectory, from: start, transform: transform, sendHistograms: config.sendNativeHistograms)
        } catch {
            logger.error("remote write queue cannot read the WAL; it sends nothing", metadata: ["error": "\(error)"])
            return
        }
        logger.info("remote write queue started", metadata: ["position": "\(start)", "series": "\(reader.series.count)"])
        var progress = QueueProgress(directory: progressDirectory)
        var resharder = Resharder(minShards: config.queue.minShards, maxShards: config.queue.maxShards)
        var shards = config.queue.minShards
        var lastReshard = ContinuousClock.now
        var lastForget = ContinuousClock.now
        var lastWALBytes: UInt64 = .max
        let deadline = Duration.milliseconds(config.queue.batchSendDeadline.milliseconds)
        var round = QueueReader.Round(shardCount: shards, at: reader.position)
        await withTaskGroup(of: Void.self) { group in
            if config.metadata.send { group.addTask { await self.sendMetadataPeriodically(client: client) } }
            while !isStopping && !Task.isCancelled {
                // 1. Read what the WAL has, unless nothing was written since the last look.
                let written = context.wal?.statistics.bytesWritten.load(ordering: .relaxed) ?? 0
                var full = false
                if written != lastWALBytes || context.wal == nil {
                    do {
                        full = try reader.fill(
                            &round, maxPerShard: config.queue.maxSamplesPerSend, ageLimit: config.queue.sampleAgeLimit.milliseconds,
                            now: Timestamps.now()
                        ) { self.recordGap($0) }
                    } catch {
                        logger.error("reading the WAL failed; trying again", metadata: ["error": "\(error)"])
                    }
                    if !full { lastWALBytes = written }
                }
                status.withLock { $0.pending = round.total }
                // 2. Send a full round now, a partial one once its oldest sample has waited the deadline.
                let due = full || (round.startedAt.map { ContinuousClock.now - $0 >= deadline } ?? false)
                if round.total > 0 && due {
                    guard await send(round, reader: reader, client: client, resharder: &resharder) else { break }
                } else if round.total == 0 {
                    if round.dropped > 0 { context.metrics.samplesDropped.add(Double(round.dropped), remoteName, config.url) }
                    round.dropped = 0
                    save(round.end, &progress)
                    try? await Task.sleep(for: .milliseconds(100))
                    if ContinuousClock.now - lastForget > .seconds(60) {
                        try? reader.forgetDroppedSeries(walDirectory: context.walDirectory)
                        lastForget = .now
                    }
                    if ContinuousClock.now - lastReshard >= Resharder.interval {
                        shards = reshard(&resharder, current: shards)
                        lastReshard = .now
                    }
                    round = QueueReader.Round(shardCount: shards, at: round.end)
                    continue
                } else {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                save(round.end, &progress)
                if ContinuousClock.now - lastReshard >= Resharder.interval {
                    shards = reshard(&resharder, current: shards)
                    lastReshard = .now
                }
                round = QueueReader.Round(shardCount: shards, at: round.end)
            }
            group.cancelAll()
        }
        logger.info("remote write queue stopped", metadata: ["position": "\(progress.saved.map { "\($0)" } ?? "none")"])
    }

    private func recordGap(_ gap: WALTail.Gap) {
        guard case .segmentMissing(let from, let to) = gap else { return }
        context.metrics.segmentsSkipped.add(Double(to - from), remoteName, config.url)
        logger.warning("WAL segments were deleted before the queue read them; their samples are lost to this destination", metadata: [
            "from": "\(WAL.segmentName(from))", "to": "\(WAL.segmentName(to))",
        ])
    }

    /// Saves the position and moves the WAL hold with it.
    private func save(_ position: WALPosition, _ progress: inout QueueProgress) {
        do {
            try progress.save(position, remote: key)
        } catch {
            logger.error("cannot save remote write progress; a restart would send again from the last saved position", metadata: ["error": "\(error)"])
        }
        context.wal?.hold(key, from: position.segment)
        status.withLock { $0.position = position }
    }

    private func reshard(_ resharder: inout Resharder, current: Int) -> Int {
        let highest = status.withLock { $0.highestSent }
        let delay = highest > 0 ? Double(Timestamps.now() - highest) / 1000 : 0
        let next = resharder.update(current: current, appendedTotal: context.samplesAppended(), delaySeconds: delay)
        status.withLock {
            $0.shards = next
            $0.desiredShards = resharder.desired
        }
        if next != current { logger.info("remote write resharding", metadata: ["from": "\(current)", "to": "\(next)"]) }
        return next
    }

    /// Sends every shard's batch; false when the queue is stopping and the round was not wholly
    /// acknowledged (its position is then not saved).
    private func send(_ round: QueueReader.Round, reader: QueueReader, client: RemoteWriteClient, resharder: inout Resharder) async -> Bool {
        if round.dropped > 0 { context.metrics.samplesDropped.add(Double(round.dropped), remoteName, config.url) }
        let results = await withTaskGroup(of: BatchResult.self, returning: [BatchResult].self) { group in
            for shard in round.shards.indices where round.counts[shard] > 0 {
                var encoder = WriteRequestEncoder(capacity: round.counts[shard] * 24)
                for ref in round.orders[shard] {
                    guard let fields = reader.series[ref]?.fields else { continue }
                    let samples = round.shards[shard][ref] ?? []
                    if let histograms = round.histogramShards[shard][ref] {
                        encoder.appendSeries(labelFields: fields, samples: samples[...], histograms: histograms)
                    } else {
                        encoder.appendSeries(labelFields: fields, samples: samples[...])
                    }
                }
                let body = encoder.bytes
                let count = round.counts[shard]
                group.addTask { await self.sendBatch(body, samples: count, oldest: round.oldest, client: client) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var complete = true
        for result in results {
            switch result {
            case .sent(let samples, let seconds): resharder.recordSend(samples: samples, seconds: seconds)
            case .retried(let samples, let seconds):
                resharder.recordSend(samples: samples, seconds: seconds)
                resharder.recordRetry()
            case .done: break
            case .interrupted: complete = false
            }
        }
        if complete {
            status.withLock { $0.highestSent = max($0.highestSent, round.newest) }
        }
        return complete
    }

    enum BatchResult: Sendable {
        case sent(samples: Int, seconds: Double)
        /// Sent after one or more retries.
        case retried(samples: Int, seconds: Double)
        /// Refused with a 4xx, or dropped past the hold limits: counted, and passed over.
        case done
        /// The queue stopped before the batch was acknowledged.
        case interrupted
    }

    /// Sends one batch until it is acknowledged, refused, past the hold limits, or the queue stops.
    private func sendBatch(_ body: [UInt8], samples: Int, oldest: Int64, client: RemoteWriteClient) async -> BatchResult {
        let labels = labelValues
        var backoff = Duration.milliseconds(config.queue.minBackoff.milliseconds)
        let maxBackoff = Duration.milliseconds(config.queue.maxBackoff.milliseconds)
        var retried = false
        while true {
            let began = ContinuousClock.now
            let (outcome, bytes) = await client.send(body)
            let seconds = (ContinuousClock.now - began).seconds
            context.metrics.batchDuration.observe(seconds, labelValues: labels)
            switch outcome {
            case .sent:
                context.metrics.samples.add(Double(samples), labels[0], labels[1])
                context.metrics.bytes.add(Double(bytes), labels[0], labels[1])
                return retried ? .retried(samples: samples, seconds: seconds) : .sent(samples: samples, seconds: seconds)
            case .refused(let status, let message):
                context.metrics.samplesFailed.add(Double(samples), labels[0], labels[1])
                logger.error("remote write refused a batch; it is not sent again", metadata: ["status": "\(status)", "error": "\(message)", "samples": "\(samples)"])
                return .done
            case .retry(let after, let reason):
                context.metrics.samplesRetried.add(Double(samples), labels[0], labels[1])
                retried = true
                if isStopping || Task.isCancelled { return .interrupted }
                if let reason = overHoldLimit(oldest: oldest) {
                    context.metrics.samplesDropped.add(Double(samples), labels[0], labels[1])
                    logger.error("remote write batch dropped: \(reason)", metadata: ["samples": "\(samples)", "error": "\(reason)"])
                    return .done
                }
                let wait = after.map { max($0, backoff) } ?? backoff
                logger.warning("remote write failed; sending again", metadata: ["error": "\(reason)", "after": "\(wait)"])
                await pause(wait)
                if after == nil { backoff = min(backoff * 2, maxBackoff) }
            }
        }
    }

    /// Sleeps for `duration`, or until the queue is asked to stop.
    func pause(_ duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !isStopping && !Task.isCancelled && ContinuousClock.now < end {
            try? await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
        }
    }

    /// Why a failing batch should be given up: its data is older than the WAL hold age, or the WAL
    /// the queue holds is past the hold size.
    private func overHoldLimit(oldest: Int64) -> String? {
        let limits = context.limits
        let held = Self.heldBytes(walDirectory: context.walDirectory, from: status.withLock { $0.position })
        if limits.maxAge > 0 && Timestamps.now() - oldest > limits.maxAge {
            return "its samples are older than --storage.remote.wal-hold-max-age"
        }
        if limits.maxBytes > 0 && held > limits.maxBytes {
            return "the WAL this queue holds is larger than --storage.remote.wal-hold-max-size"
        }
        return nil
    }

    /// WAL bytes from `position` to the end: what this queue has yet to send.
    static func heldBytes(walDirectory: String, from position: WALPosition) -> Int64 {
        let segments = (try? FileManager.default.contentsOfDirectory(atPath: walDirectory)) ?? []
        var total: Int64 = 0
        for name in segments where name.count == 8 {
            guard let index = Int(name), index >= position.segment else { continue }
            let size = ((try? FileManager.default.attributesOfItem(atPath: walDirectory + "/" + name))?[.size] as? NSNumber)?.int64Value ?? 0
            total += index == position.segment ? max(0, size - Int64(position.offset)) : size
        }
        return total
    }
}
