#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsModel
import Synchronization

/// The store: the head (with its WAL) and the persisted blocks of one data directory.
///
/// ```
/// data/
///   lock               flock'ed while open, so two processes never share a directory
///   wal/               the head's write-ahead log
///   <ULID>/            persisted blocks
/// ```
package final class DB: Appendable, Sendable {
    package let path: String
    package let head: Head
    let options: DBOptions
    let logger: Logger
    private let blockList = Mutex<[Block]>([])
    /// Serialises compaction, retention and deletion of blocks.
    let maintenance = Mutex(())
    private let lockFD: Int32
    private let closed = Atomic(false)
    package let replayReport: WAL.ReplayReport
    let statistics = DBStatistics()

    /// How a store is opened: by its one writer, or read-only beside it (`DB+ReadOnly.swift`).
    package enum Access: Sendable { case readWrite, readOnly }
    package let access: Access

    package init(path: String, options: DBOptions = DBOptions(), access: Access = .readWrite, logger: Logger) throws {
        self.path = path
        self.options = options
        self.access = access
        self.logger = logger
        if access == .readOnly {
            // No lock: the writer may hold it, and a reader must never keep a writer from starting.
            try Self.checkIsStore(path)
            lockFD = -1
        } else {
            try FileIO.makeDirectory(path)
            lockFD = open(path + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard lockFD >= 0 else { throw StorageError.io("open \(path)/lock", errno) }
            guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
                Glibc.close(lockFD)
                throw StorageError.io("\(path) is in use by another process (lock)", EWOULDBLOCK)
            }
        }
        // Half-written blocks from a crash are removed (by the writer); finished ones are opened.
        var blocks: [Block] = []
        for name in try FileIO.list(path).sorted() {
            let full = path + "/" + name
            if name.hasSuffix(".tmp") {
                guard access == .readWrite else { continue }
                logger.warning("removing incomplete block from an interrupted write", metadata: ["dir": "\(full)"])
                try FileIO.removeTree(full)
                continue
            }
            guard name.count == 26, FileIO.isDirectory(full) else { continue }
            if let block = Self.openBlock(full, access: access, statistics: statistics, logger: logger) { blocks.append(block) }
        }
        blockList.withLock { $0 = blocks.sorted { $0.minTime < $1.minTime } }
        let wal = try WAL(directory: path + "/wal", options: options.wal, readOnly: access == .readOnly, logger: logger)
        let head = Head(options: options.head, wal: wal)
        self.head = head
        let clock = ContinuousClock()
        var report = WAL.ReplayReport()
        let elapsed = try clock.measure { report = try head.replayWAL(logger: logger) }
        replayReport = report
        statistics.replaySeconds.store(UInt64(elapsed.inSeconds * 1000), ordering: .relaxed)
        if access == .readWrite { try wal.startWriting() }
        // The head keeps every sample the WAL replayed, even where a block's range covers it: a
        // block's range says where its samples may lie, not that it holds these (an imported block
        // spans to the end of its range), and queries and compaction merge overlaps. A crash
        // between writing a block and checkpointing the WAL only leaves the same samples twice.
    }

    package func appender() -> HeadAppender {
        precondition(access == .readWrite, "a read-only store takes no appends")
        return head.appender()
    }

    /// The persisted blocks, oldest first.
    package var blocks: [Block] { blockList.withLock { $0 } }

    /// Series matching `matchers` with their samples in `mint...maxt`, from blocks and head merged,
    /// sorted by labels, as of one moment (see `Reader`).
    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        try withReader { try $0.select(matchers, from: mint, through: maxt) }
    }

    /// `Reader.mapSeries` through a reader of its own.
    package func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64,
                             _ transform: (Labels, [Sample]) throws -> T?) throws -> [T] {
        try withReader { try $0.mapSeries(matchers, from: mint, through: maxt, transform) }
    }

    /// A reader of the store as it is now; close it when done.
    package func reader() -> Reader {
        Reader(db: self, view: head.isolation.openReader(), damage: ReadDamage { [statistics, logger] warning in
            statistics.chunkReadFailures.add(1, ordering: .relaxed)
            if statistics.shouldLogDamage(warning) { logger.error("a query met an unreadable chunk; answering without it", metadata: ["problem": "\(warning)"]) }
        })
    }

    /// Runs `body` with a reader, closed when it returns: every read in `body` (every selector of
    /// one query, say) sees the same commits.
    package func withReader<T>(_ body: (Reader) throws -> T) rethrows -> T {
        let reader = reader()
        defer { reader.close() }
        return try body(reader)
    }

    /// Reads the store as of the moment it was opened: it sees every commit applied before then
    /// whole, and nothing of a commit applied later, however many series that commit spans and
    /// however long the reads take. Prometheus's isolation, per query.
    package struct Reader: Sendable {
        let db: DB
        let view: ReadView
        /// Chunks this read could not decode, left out of its answers; show `damage.warnings` with them.
        package let damage: ReadDamage

        /// Ends the read; until then the head keeps what it needs to hide later commits.
        package func close() { db.head.isolation.closeReader(view) }

        /// Series matching `matchers` with their samples in `mint...maxt`, sorted by labels.
        package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
            try mapSeries(matchers, from: mint, through: maxt) { ($0, $1) }
        }

        /// Series matching `matchers` that have native histogram samples in `mint...maxt`, with those
        /// samples, sorted by labels.
        package func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])] {
            try db.selectHistograms(matchers, from: mint, through: maxt, view: view, damage: damage)
        }

        /// Each series matching `matchers`, with its samples in `mint...maxt`, handed to `transform` as soon
        /// as it is read, on all cores; the results come back in label order, nils dropped. Unlike
        /// `select`, no more than a few series' samples are in memory at once, and each is used while it
        /// is still in the cache.
        package func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64,
                                 _ transform: (Labels, [Sample]) throws -> T?) throws -> [T] {
            try db.mapSeries(matchers, from: mint, through: maxt, view: view, damage: damage, transform)
        }
    }

    private func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, view: ReadView, damage: ReadDamage,
                              _ transform: (Labels, [Sample]) throws -> T?) throws -> [T] {
        // Each source's series, in its own (label) order.
        var sources: [[(Labels, SeriesPart)]] = []
        var cost = 0
        for block in blocks where block.maxTime > mint && block.minTime <= maxt {
            let refs = try block.seriesRefs(matchers, from: mint, through: maxt)
            cost += Block.decodeCost(refs)
            sources.append(refs.map { ($0.labels, .block(block, $0)) })
        }
        if head.maxTime >= mint {
            let selected = head.select(matchers, from: mint, through: maxt, view: view)
            cost += selected.reduce(0) { $0 + $1.1.count }
            sources.append(selected.map { ($0.0, .head($0.1)) })
        }
        let series: [(Labels, [SeriesPart])]
        if sources.count == 1 {
            // One source (the usual case): nothing to merge, and already in order.
            series = sources[0].map { ($0.0, [$0.1]) }
        } else {
            var parts: [Labels: [SeriesPart]] = [:]
            for source in sources { for (labels, part) in source { parts[labels, default: []].append(part) } }
            series = parts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        let results = try ParallelWork.map(series, cost: cost) { labels, sources -> T? in
            var samples: [Sample] = []
            for source in sources {
                let more: [Sample]
                switch source {
                case .block(let block, let ref): more = try block.samples(of: ref, from: mint, through: maxt, damage: damage)
                case .head(let headSamples): more = headSamples
                }
                samples = samples.isEmpty ? more : Sample.merge(samples, more)
            }
            return samples.isEmpty ? nil : try transform(labels, samples)
        }
        return results.compactMap { $0 }
    }

    /// Histograms of blocks and head merged; a block's series without histogram chunks is never read.
    private func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, view: ReadView,
                                  damage: ReadDamage) throws -> [(Labels, [HistogramSample])] {
        var merged: [Labels: [HistogramSample]] = [:]
        for block in blocks where block.maxTime > mint && block.minTime <= maxt {
            for ref in try block.seriesRefs(matchers, from: mint, through: maxt) where Block.hasHistograms(ref) {
                let samples = try block.histograms(of: ref, from: mint, through: maxt, damage: damage)
                if !samples.isEmpty { merged[ref.labels] = HistogramSample.merge(merged[ref.labels] ?? [], samples) }
            }
        }
        if head.maxTime >= mint {
            for (labels, samples) in head.selectHistograms(matchers, from: mint, through: maxt, view: view) {
                merged[labels] = HistogramSample.merge(merged[labels] ?? [], samples)
            }
        }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Histograms through a reader of their own (`Reader.selectHistograms`).
    package func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])] {
        try withReader { try $0.selectHistograms(matchers, from: mint, through: maxt) }
    }

    /// A source of one series' samples for `mapSeries`: chunks in a block, or the head's samples.
    private enum SeriesPart {
        case block(Block, Block.SeriesRef)
        case head([Sample])
    }

    /// Label sets of series matching `matchers` with data in `mint...maxt`, sorted, without duplicates.
    package func series(_ matchers: [Matcher], from mint: Int64 = Int64.min, through maxt: Int64 = Int64.max) throws -> [Labels] {
        var all = Set<Labels>()
        for block in blocks where block.maxTime > mint && block.minTime <= maxt {
            all.formUnion(try block.series(matchers))
        }
        // As Prometheus's head querier: the head's series when its time range overlaps, not each series'.
        if head.maxTime >= mint && head.minTime <= maxt { all.formUnion(head.series(matchers)) }
        return all.sorted()
    }

    /// Label names of the matching series (all series without matchers), sorted.
    package func labelNames(_ matchers: [Matcher] = [], from mint: Int64 = Int64.min, through maxt: Int64 = Int64.max) throws -> [String] {
        if matchers.isEmpty {
            var names = Set<String>()
            for block in blocks where block.maxTime > mint && block.minTime <= maxt { names.formUnion(block.labelNames) }
            names.formUnion(head.labelNames)
            return names.sorted()
        }
        var names = Set<String>()
        for labels in try series(matchers, from: mint, through: maxt) { for label in labels { names.insert(label.name) } }
        return names.sorted()
    }

    /// Values of label `name` among the matching series, sorted.
    package func labelValues(_ name: String, _ matchers: [Matcher] = [], from mint: Int64 = Int64.min, through maxt: Int64 = Int64.max) throws -> [String] {
        var values = Set<String>()
        if matchers.isEmpty {
            for block in blocks where block.maxTime > mint && block.minTime <= maxt { values.formUnion(block.labelValues(name)) }
            values.formUnion(head.labelValues(name))
        } else {
            for labels in try series(matchers, from: mint, through: maxt) { if let value = labels[name] { values.insert(value) } }
        }
        return values.sorted()
    }

    /// Bytes on disk: blocks and WAL.
    var sizeOnDisk: Int64 {
        blocks.reduce(head.wal?.sizeOnDisk() ?? 0) { $0 + $1.sizeOnDisk }
    }

    func replaceBlocks(removing removed: [Block], adding added: [Block]) {
        let removedPaths = Set(removed.map(\.directory))
        blockList.withLock { list in
            list.removeAll { removedPaths.contains($0.directory) }
            list.append(contentsOf: added)
            list.sort { $0.minTime < $1.minTime }
        }
    }

    /// Flushes the WAL and releases the directory. Safe to call more than once.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        guard access == .readWrite else { return }
        head.wal?.close()
        flock(lockFD, LOCK_UN)
        Glibc.close(lockFD)
    }
}

extension DB {
    /// A reading of the store's gauges and counters for the self-metrics.
    package struct Stats: Sendable {
        package var blocks: Int
        package var blockBytes: Int64
        package var walBytes: Int64
        package var walCorruptions: UInt64
        package var compactions: UInt64
        package var compactionFailures: UInt64
        package var retentionDeletions: UInt64
        package var quarantinedBlocks: UInt64
        package var inconsistentBlocks: Int
        package var chunkReadFailures: UInt64
        package var replaySeconds: Double
    }

    package var stats: Stats {
        let blocks = self.blocks
        return Stats(
            blocks: blocks.count, blockBytes: blocks.reduce(0) { $0 + $1.sizeOnDisk }, walBytes: head.wal?.sizeOnDisk() ?? 0,
            walCorruptions: head.wal?.statistics.corruptions.load(ordering: .relaxed) ?? 0,
            compactions: statistics.compactions.load(ordering: .relaxed),
            compactionFailures: statistics.compactionFailures.load(ordering: .relaxed),
            retentionDeletions: statistics.blocksDeletedByRetention.load(ordering: .relaxed),
            quarantinedBlocks: statistics.quarantinedBlocks.load(ordering: .relaxed),
            inconsistentBlocks: blocks.count { $0.inconsistency != nil },
            chunkReadFailures: statistics.chunkReadFailures.load(ordering: .relaxed),
            replaySeconds: Double(statistics.replaySeconds.load(ordering: .relaxed)) / 1000)
    }
}

/// Counters of the store for the self-metrics.
final class DBStatistics: Sendable {
    let replaySeconds = Atomic<UInt64>(0)
    let compactions = Atomic<UInt64>(0)
    let compactionFailures = Atomic<UInt64>(0)
    let blocksDeletedByRetention = Atomic<UInt64>(0)
    let quarantinedBlocks = Atomic<UInt64>(0)
    let chunkReadFailures = Atomic<UInt64>(0)
    /// Unreadable chunks already logged, so a dashboard that keeps asking does not flood the log.
    private let loggedDamage = Mutex<Set<String>>([])

    /// Whether `warning` is new to the log (the first 1,000 distinct ones are logged).
    func shouldLogDamage(_ warning: String) -> Bool {
        loggedDamage.withLock { logged in
            guard logged.count < 1000 else { return false }
            return logged.insert(warning).inserted
        }
    }
    /// Prometheus's buckets (1 s doubling to about 2 h); head compactions and merges alike.
    let compactionSeconds = Histogram(
        "prometheus_tsdb_compaction_duration_seconds", "Duration of compaction runs",
        buckets: Histogram.exponential(start: 1, factor: 2, count: 14))
    let headCompactionSeconds = Histogram(
        "metricsd_tsdb_head_compaction_duration_seconds", "Time to write the head's oldest range to a block, in seconds.",
        buckets: Histogram.exponential(start: 0.01, factor: 4, count: 9))
}

extension DB {
    /// The store's histograms and summaries in Prometheus text format.
    package func writeInstruments(to text: inout MetricsText) {
        statistics.compactionSeconds.write(to: &text)
        statistics.headCompactionSeconds.write(to: &text)
        if let wal = head.wal {
            wal.statistics.fsyncSeconds.write(to: &text)
            wal.statistics.writeSeconds.write(to: &text)
            text.single("prometheus_tsdb_wal_segment_current", "gauge", "Write log segment index that TSDB is currently writing to.",
                        Double(wal.statistics.currentSegment.load(ordering: .relaxed)))
            text.single("metricsd_tsdb_wal_missing_segments_total", "counter", "WAL segments found missing at replay (the segments around them were replayed).",
                        Double(wal.statistics.missingSegments.load(ordering: .relaxed)))
            text.single("prometheus_tsdb_wal_writes_failed_total", "counter", "Total number of write log writes that failed.",
                        Double(wal.statistics.writeFailures.load(ordering: .relaxed)))
        }
    }
}
