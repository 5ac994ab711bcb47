import Logging
import MetricsModel
import Synchronization

/// Settings of the head.
package struct HeadOptions: Sendable {
    /// The span of one block and the boundary head chunks never cross: 2 h, as in Prometheus.
    package var chunkRange: Int64 = 2 * 3_600_000
    /// How far behind a series' newest sample a late sample may still be accepted (0: none).
    package var outOfOrderWindow: Int64 = 0
    /// The wall clock the head's sample bounds are measured against; nil for tools and tests over
    /// synthetic time, which then have only the bound behind the head's newest sample.
    package var clock: SampleClock?
    /// The most series the head holds; a sample of a new series beyond it is refused (0: no cap).
    package var maxSeries = 0

    package init(chunkRange: Int64 = 2 * 3_600_000, outOfOrderWindow: Int64 = 0, clock: SampleClock? = nil) {
        self.chunkRange = chunkRange
        self.outOfOrderWindow = outOfOrderWindow
        self.clock = clock
    }
}

/// The wall clock behind the head's sample bounds, as Prometheus bounds scrapes: a sample more than
/// `futureTolerance` ahead of now is refused (one sample from year 3000 would otherwise make the
/// head look hours old to compaction and retention), and an empty head refuses samples older than
/// half a chunk range before now, as a running one refuses them behind its newest sample.
package struct SampleClock: Sendable {
    /// How far ahead of now a sample may lie (Prometheus's scrape bound is 10 minutes).
    package var futureTolerance: Int64
    package var now: @Sendable () -> Int64

    package init(futureTolerance: Int64 = 10 * 60_000, now: @escaping @Sendable () -> Int64 = { Timestamps.now() }) {
        self.futureTolerance = futureTolerance
        self.now = now
    }
}

/// The in-memory part of the store: every active series with its recent samples, backed by the WAL.
///
/// Series are spread over shards by their label set's stable hash; each shard has its own lock,
/// so appenders for different targets rarely contend. Commits are serialised by `commitLock`,
/// which holds the WAL write and the head update together; that is what lets a checkpoint cut the
/// WAL at a point the head's state matches exactly.
package final class Head: Appendable, Sendable {
    final class Shard: Sendable {
        struct State {
            var byLabels: [Labels: MemSeries] = [:]
        }
        let state = Mutex(State())
    }

    let options: HeadOptions
    package let wal: WAL?
    private let shards: [Shard]
    /// Series by reference, spread over their own locks by `ref % count`. References are handed
    /// out in sequence, so within a shard `ref / count` indexes pages of slots directly: no hashing
    /// (the dictionaries this replaced took about a tenth of a scrape's CPU in a profile).
    final class RefShard: Sendable {
        static let pageSize = 1024
        let pages = Mutex<[[MemSeries?]]>([])

        func get(_ slot: Int) -> MemSeries? {
            pages.withLock { pages in
                let page = slot / Self.pageSize
                return page < pages.count ? pages[page][slot % Self.pageSize] : nil
            }
        }

        func set(_ slot: Int, _ series: MemSeries?) {
            pages.withLock { pages in
                let page = slot / Self.pageSize
                if series == nil && page >= pages.count { return }
                while pages.count <= page { pages.append([MemSeries?](repeating: nil, count: Self.pageSize)) }
                pages[page][slot % Self.pageSize] = series
            }
        }
    }
    private let refShards: [RefShard]
    /// Label → value → series references, for resolving matchers.
    let index = HeadIndex()
    private let nextRef = Atomic<UInt64>(1)
    private let transactions = Atomic<UInt64>(1)
    let commitLock = Mutex(())
    /// Which commits each reader sees, so none sees half of one.
    let isolation = Isolation()
    /// Label names and values shared by many series are stored once: a new series' strings are
    /// swapped for the instances already held (series of one metric share `__name__`, `job`, …).
    private let symbols = Mutex(Set<String>())
    let statistics = HeadStatistics()
    /// Oldest and newest sample timestamps in the head (Int64.max / Int64.min when empty).
    let minTimeValue = Atomic<Int64>(Int64.max)
    let maxTimeValue = Atomic<Int64>(Int64.min)

    package init(options: HeadOptions = HeadOptions(), wal: WAL? = nil, shardCount: Int = 16) {
        precondition(shardCount > 0)
        self.options = options
        self.wal = wal
        shards = (0..<shardCount).map { _ in Shard() }
        refShards = (0..<shardCount).map { _ in RefShard() }
    }

    /// The series `ref` stands for, if it is still in the head.
    func series(ref: SeriesRef) -> MemSeries? {
        let count = UInt64(refShards.count)
        return refShards[Int(ref % count)].get(Int(ref / count))
    }

    private func register(_ series: MemSeries) {
        let count = UInt64(refShards.count)
        refShards[Int(series.ref % count)].set(Int(series.ref / count), series)
    }

    private func unregister(_ ref: SeriesRef) {
        let count = UInt64(refShards.count)
        refShards[Int(ref % count)].set(Int(ref / count), nil)
    }

    package func appender() -> HeadAppender { HeadAppender(head: self) }

    /// A fresh identifier for an appender transaction.
    func nextTransaction() -> UInt64 { transactions.wrappingAdd(1, ordering: .relaxed).newValue }

    /// Counters for the self-metrics.
    package var stats: HeadStatistics.Snapshot { statistics.snapshot() }

    package var minTime: Int64 { minTimeValue.load(ordering: .relaxed) }
    package var maxTime: Int64 { maxTimeValue.load(ordering: .relaxed) }

    /// The timestamps an appender created now may write, as Prometheus's head bounds them: from half
    /// a chunk range (or the out-of-order window, if wider) behind the newest sample, to the clock's
    /// future tolerance. Anything outside is out of bounds.
    func appendableRange() -> ClosedRange<Int64> {
        let now = options.clock?.now()
        // Int64.min and Int64.max themselves are the store's "no sample" sentinels (and the end of a
        // block range must fit after its newest sample), so neither is ever a sample's time.
        let upper = now.map { $0.saturatingAdd(options.clock!.futureTolerance) }.map { min($0, Int64.max - 1) } ?? Int64.max - 1
        let newest = maxTime
        let reference = newest != Int64.min ? newest : (now ?? Int64.min)
        let behind = max(options.chunkRange / 2, options.outOfOrderWindow)
        let lower = max(Int64.min + 1, reference.saturatingSubtract(behind))
        return min(lower, upper)...upper
    }

    func shard(for labels: Labels) -> Shard {
        shards[Int(labels.stableHash % UInt64(shards.count))]
    }

    /// The series for `labels`, created if new. Returns the series and whether it was created.
    /// Throws `AppendError.seriesLimit` for a new series while the head holds `maxSeries` (checked
    /// without a global lock, so concurrent appenders may pass it by a few series).
    func getOrCreate(_ labels: Labels, in state: inout Shard.State) throws(AppendError) -> (MemSeries, Bool) {
        if let series = state.byLabels[labels] { return (series, false) }
        if options.maxSeries > 0 && statistics.liveSeries.load(ordering: .relaxed) >= options.maxSeries {
            statistics.seriesLimitRefusals.add(1, ordering: .relaxed)
            throw .seriesLimit(labels: labels, limit: options.maxSeries)
        }
        statistics.liveSeries.add(1, ordering: .relaxed)
        let ref = nextRef.wrappingAdd(1, ordering: .relaxed).oldValue
        let series = MemSeries(ref: ref, labels: intern(labels))
        state.byLabels[series.labels] = series
        register(series)
        index.add(series.ref, series.labels)
        statistics.seriesCreated.add(1, ordering: .relaxed)
        return (series, true)
    }

    /// The same label set built from shared string instances.
    func intern(_ labels: Labels) -> Labels {
        symbols.withLock { table in
            var pairs: [Label] = []
            pairs.reserveCapacity(labels.count)
            for label in labels {
                pairs.append(Label(Self.shared(label.name, &table), Self.shared(label.value, &table)))
            }
            return Labels(sortedUnique: pairs)
        }
    }

    private static func shared(_ text: String, _ table: inout Set<String>) -> String {
        // Short strings live inline in the String value; only heap-backed ones are worth sharing.
        if text.utf8.count <= 15 { return text }
        if let existing = table.firstIndex(of: text) { return table[existing] }
        table.insert(text)
        return text
    }

    func noteTime(_ timestamp: Int64) {
        minTimeValue.min(timestamp, ordering: .relaxed)
        maxTimeValue.max(timestamp, ordering: .relaxed)
    }

    /// Every series whose labels satisfy all `matchers`, with its samples in `mint...maxt`, sorted
    /// by labels, as of one moment: every commit applied before the call, none after.
    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) -> [(Labels, [Sample])] {
        let view = isolation.openReader()
        defer { isolation.closeReader(view) }
        return select(matchers, from: mint, through: maxt, view: view)
    }

    /// `select` for a reader's view: only commits `view` sees.
    ///
    /// Matchers resolve through the postings; each selected series' chunks are copied under its
    /// shard lock and decoded after it is released, so appends never wait on a query's decoding.
    func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, view: ReadView) -> [(Labels, [Sample])] {
        var snapshots: [(Labels, MemSeries.Snapshot)] = []
        for series in matching(matchers) {
            let snapshot = shard(for: series.labels).state.withLock { _ in series.snapshot(from: mint, through: maxt, view: view) }
            if !snapshot.isEmpty { snapshots.append((series.labels, snapshot)) }
        }
        var out: [(Labels, [Sample])] = []
        out.reserveCapacity(snapshots.count)
        for (labels, snapshot) in snapshots {
            let samples = snapshot.samples()
            if !samples.isEmpty { out.append((labels, samples)) }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The histogram samples of matching series that have any in `mint...maxt`, sorted by labels, as
    /// of one moment.
    package func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) -> [(Labels, [HistogramSample])] {
        let view = isolation.openReader()
        defer { isolation.closeReader(view) }
        return selectHistograms(matchers, from: mint, through: maxt, view: view)
    }

    /// `selectHistograms` for a reader's view: the histogram samples of matching series that have any.
    func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, view: ReadView) -> [(Labels, [HistogramSample])] {
        var snapshots: [(Labels, HistogramSnapshot)] = []
        for series in matching(matchers) {
            let snapshot = shard(for: series.labels).state.withLock { _ in series.histogramSnapshot(from: mint, through: maxt, view: view) }
            if let snapshot { snapshots.append((series.labels, snapshot)) }
        }
        return snapshots.compactMap { labels, snapshot in
            let samples = snapshot.samples()
            return samples.isEmpty ? nil : (labels, samples)
        }.sorted { $0.0 < $1.0 }
    }

    /// Label sets of every series satisfying `matchers` (all series for none), unsorted.
    package func series(_ matchers: [Matcher]) -> [Labels] {
        matching(matchers).map(\.labels)
    }

    /// The series whose labels satisfy all `matchers`: the postings' candidates, each checked
    /// against every matcher; every series when no matcher narrows the set.
    func matching(_ matchers: [Matcher]) -> [MemSeries] {
        guard let candidates = index.candidates(matchers) else {
            var out: [MemSeries] = []
            for shard in shards {
                shard.state.withLock { state in
                    for (labels, series) in state.byLabels where labels.matches(matchers) { out.append(series) }
                }
            }
            return out
        }
        return candidates.compactMap { ref in
            guard let series = series(ref: ref), series.labels.matches(matchers) else { return nil }
            return series
        }
    }

    /// Label names of every series in the head, unsorted.
    package var labelNames: [String] { index.names }

    /// Values of label `name` across the head, unsorted.
    package func labelValues(_ name: String) -> [String] { index.values(name) }

    /// Chunks held in memory: closed ones plus each non-empty open chunk (`/api/v1/status/tsdb`).
    package var chunkCount: Int {
        var count = 0
        forEachSeries { series in
            count += series.closed.count + (series.open.count > 0 ? 1 : 0)
            if let lane = series.histograms { count += lane.closed.count + (lane.open.isEmpty ? 0 : 1) }
        }
        return count
    }

    /// How many series the head holds.
    package var seriesCount: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.byLabels.count } }
    }

    /// Calls `body` for each series under its shard's lock.
    func forEachSeries(_ body: (MemSeries) -> Void) {
        for shard in shards {
            shard.state.withLock { state in
                for series in state.byLabels.values { body(series) }
            }
        }
    }

    /// Drops everything older than `cut` and series left empty; recomputes the head's time range.
    func truncate(before cut: Int64) {
        var newMin = Int64.max
        var removed: [(ref: SeriesRef, labels: Labels)] = []
        for shard in shards {
            shard.state.withLock { state in
                for (labels, series) in state.byLabels {
                    series.truncate(before: cut)
                    if series.isEmpty {
                        state.byLabels[labels] = nil
                        removed.append((series.ref, labels))
                    } else {
                        newMin = min(newMin, series.minTime)
                    }
                }
            }
        }
        index.remove(removed)
        for (ref, _) in removed { unregister(ref) }
        minTimeValue.store(newMin, ordering: .relaxed)
        statistics.seriesRemoved.add(UInt64(removed.count), ordering: .relaxed)
        statistics.liveSeries.subtract(removed.count, ordering: .relaxed)
    }

    // MARK: WAL replay and checkpoints

    /// Rebuilds the head from the WAL. Call before `wal.startWriting()` and before any append.
    func replayWAL(logger: Logger) throws -> WAL.ReplayReport {
        guard let wal else { return WAL.ReplayReport() }
        // Refs are dense, so an array finds a series faster than a dictionary; times are tracked
        // locally and published once, instead of two atomic updates per sample.
        var byRef: [MemSeries?] = []
        var maxRef: SeriesRef = 0
        var unknownRefs = 0
        var rejected = 0
        var outOfBounds = 0
        // Samples the WAL holds from before sample bounds existed (a year-3000 sample, say) would
        // make the head look far ahead of the clock: they are skipped as ingest would refuse them.
        let latest = options.clock.map { $0.now().saturatingAdd($0.futureTolerance) } ?? Int64.max - 1
        var low = Int64.max
        var high = Int64.min
        let chunkRange = options.chunkRange
        let window = options.outOfOrderWindow
        func lookup(_ ref: SeriesRef) -> MemSeries? {
            ref < UInt64(byRef.count) ? byRef[Int(ref)] : nil
        }
        let report = try wal.replay { record in
            switch record {
            case .series(let entries):
                for (ref, labels) in entries {
                    // References are handed out in sequence; a larger one cannot be ours.
                    guard ref < 1 << 40 else { unknownRefs += 1; continue }
                    let shared = intern(labels)
                    let shard = shard(for: shared)
                    let series = shard.state.withLock { state -> MemSeries in
                        if let existing = state.byLabels[shared] { return existing }
                        let created = MemSeries(ref: ref, labels: shared)
                        state.byLabels[shared] = created
                        index.add(ref, shared)
                        // Replay keeps every series the WAL holds, over the cap or not.
                        statistics.liveSeries.add(1, ordering: .relaxed)
                        return created
                    }
                    register(series)
                    series.walLogged = true
                    if Int(ref) >= byRef.count { byRef.append(contentsOf: repeatElement(nil, count: Int(ref) + 1 - byRef.count)) }
                    byRef[Int(ref)] = series
                    maxRef = max(maxRef, ref)
                }
            case .samples(let entries):
                // Replay runs before anything else touches the head, so no shard lock is needed.
                for (ref, sample) in entries {
                    guard let series = lookup(ref) else { unknownRefs += 1; continue }
                    let t = sample.timestamp
                    guard t <= latest else { outOfBounds += 1; continue }
                    if t > series.maxTime {
                        guard (try? series.append(sample, chunkRange: chunkRange)) != nil else { rejected += 1; continue }
                    } else if window > 0 && t > series.maxTime - window && series.insertOutOfOrder(sample) {
                    } else {
                        rejected += 1
                        continue
                    }
                    if t < low { low = t }
                    if t > high { high = t }
                }
            case .chunks(let entries):
                for (ref, chunk) in entries {
                    guard let series = lookup(ref) else { unknownRefs += 1; continue }
                    // One decode per chunk: `attach` checks the chunk's end against the clock too.
                    guard (try? series.attach(chunk, latest: latest)) != false else { outOfBounds += 1; continue }
                    if let last = series.closed.last {
                        low = min(low, last.minTime)
                        high = max(high, last.maxTime)
                    }
                }
            case .histograms(let entries):
                for (ref, sample) in entries {
                    guard let series = lookup(ref) else { unknownRefs += 1; continue }
                    let t = sample.timestamp
                    guard t <= latest else { outOfBounds += 1; continue }
                    guard t > series.maxTime else { rejected += 1; continue }
                    series.appendHistogram(sample, chunkRange: chunkRange)
                    if t < low { low = t }
                    if t > high { high = t }
                }
            case .histogramChunks(let entries):
                for (ref, chunk) in entries {
                    guard let series = lookup(ref) else { unknownRefs += 1; continue }
                    guard let range = try? series.attach(chunk, latest: latest) else { outOfBounds += 1; continue }
                    low = min(low, range.lowerBound)
                    high = max(high, range.upperBound)
                }
            case .tombstones(let entries):
                for (ref, mint, maxt) in entries {
                    lookup(ref)?.delete(from: mint, through: maxt, chunkRange: chunkRange)
                }
            }
        }
        if low != Int64.max { noteTime(low) }
        if high != Int64.min { noteTime(high) }
        // Series with no samples left (all deleted, say) are not kept.
        truncate(before: Int64.min)
        nextRef.store(maxRef + 1, ordering: .relaxed)
        var metadata: Logger.Metadata = [
            "records": "\(report.records)", "bytes": "\(report.bytes)", "series": "\(seriesCount)",
        ]
        if unknownRefs > 0 { metadata["samples_for_unknown_series"] = "\(unknownRefs)" }
        if rejected > 0 { metadata["samples_out_of_order"] = "\(rejected)" }
        if outOfBounds > 0 { metadata["samples_ahead_of_clock_skipped"] = "\(outOfBounds)" }
        statistics.replaySkippedSamples.add(UInt64(rejected + outOfBounds), ordering: .relaxed)
        if rejected + outOfBounds > 0 {
            logger.warning("WAL replay skipped samples it could not apply", metadata: metadata)
        }
        logger.info("WAL replayed", metadata: metadata)
        return report
    }

    /// Records that recreate the head's current state: every series and all of its chunks.
    func checkpointRecords() -> [WALRecord] {
        var records: [WALRecord] = []
        var series: [(ref: SeriesRef, labels: Labels)] = []
        var chunks: [(ref: SeriesRef, chunk: XORChunk)] = []
        var late: [(ref: SeriesRef, sample: Sample)] = []
        var histogramChunks: [(ref: SeriesRef, chunk: HistogramChunk)] = []
        forEachSeries { item in
            series.append((item.ref, item.labels))
            for entry in item.closed { chunks.append((item.ref, entry.chunk)) }
            if item.open.count > 0 { chunks.append((item.ref, item.open.chunk())) }
            if let lane = item.histograms {
                for entry in lane.closed { histogramChunks.append((item.ref, entry.chunk)) }
                if !lane.open.isEmpty { histogramChunks.append((item.ref, HistogramChunk(lane.open))) }
            }
            for sample in item.outOfOrder { late.append((item.ref, sample)) }
            if series.count >= 10_000 {
                records.append(.series(series))
                series.removeAll(keepingCapacity: true)
            }
            if chunks.count >= 10_000 {
                records.append(.series(series))
                series.removeAll(keepingCapacity: true)
                records.append(.chunks(chunks))
                chunks.removeAll(keepingCapacity: true)
            }
        }
        if !series.isEmpty { records.append(.series(series)) }
        if !chunks.isEmpty { records.append(.chunks(chunks)) }
        // Histogram chunks after every float chunk: a mixed series' floats are attached first, and
        // each kind is checked for order against its own.
        for start in stride(from: 0, to: histogramChunks.count, by: 1_000) {
            records.append(.histogramChunks(Array(histogramChunks[start..<min(start + 1_000, histogramChunks.count)])))
        }
        // Out-of-order samples go last, after the in-order chunks they sort between.
        for start in stride(from: 0, to: late.count, by: 10_000) {
            records.append(.samples(Array(late[start..<min(start + 10_000, late.count)])))
        }
        return records
    }

    /// Cuts the WAL and writes a checkpoint of the head as it is now, deleting the segments it covers.
    func checkpointWAL() throws {
        guard let wal else { return }
        // Holding the commit lock across the cut means every commit is either wholly before it
        // (and in the head now) or wholly after it (and in the segments kept).
        let upTo = try commitLock.withLock { _ in try wal.cutSegment() }
        try wal.checkpoint(upTo: upTo, records: checkpointRecords())
    }
}

/// Monotonic counters of the head, read lock-free by the self-metrics.
package final class HeadStatistics: Sendable {
    let samplesAppended = Atomic<UInt64>(0)
    let outOfOrderSamples = Atomic<UInt64>(0)
    let outOfBoundsSamples = Atomic<UInt64>(0)
    /// Of `outOfBoundsSamples`, those ahead of the clock's future tolerance.
    let tooFarInFutureSamples = Atomic<UInt64>(0)
    let duplicateSamples = Atomic<UInt64>(0)
    /// WAL records' samples that replay could not apply (out of bounds, or not after the series' newest).
    let replaySkippedSamples = Atomic<UInt64>(0)
    let outOfOrderAccepted = Atomic<UInt64>(0)
    let seriesCreated = Atomic<UInt64>(0)
    let seriesRemoved = Atomic<UInt64>(0)
    /// Series in the head now (created or replayed, less those removed).
    let liveSeries = Atomic<Int>(0)
    /// Samples of new series refused at the `maxSeries` cap.
    let seriesLimitRefusals = Atomic<UInt64>(0)
    let commitFailures = Atomic<UInt64>(0)

    package struct Snapshot: Sendable {
        package var samplesAppended: UInt64
        package var outOfOrderSamples: UInt64
        package var outOfBoundsSamples: UInt64
        package var tooFarInFutureSamples: UInt64
        package var duplicateSamples: UInt64
        package var replaySkippedSamples: UInt64
        var outOfOrderAccepted: UInt64
        package var seriesCreated: UInt64
        var seriesRemoved: UInt64
        package var seriesLimitRefusals: UInt64
        package var commitFailures: UInt64
    }

    func snapshot() -> Snapshot {
        Snapshot(
            samplesAppended: samplesAppended.load(ordering: .relaxed),
            outOfOrderSamples: outOfOrderSamples.load(ordering: .relaxed),
            outOfBoundsSamples: outOfBoundsSamples.load(ordering: .relaxed),
            tooFarInFutureSamples: tooFarInFutureSamples.load(ordering: .relaxed),
            duplicateSamples: duplicateSamples.load(ordering: .relaxed),
            replaySkippedSamples: replaySkippedSamples.load(ordering: .relaxed),
            outOfOrderAccepted: outOfOrderAccepted.load(ordering: .relaxed),
            seriesCreated: seriesCreated.load(ordering: .relaxed),
            seriesRemoved: seriesRemoved.load(ordering: .relaxed),
            seriesLimitRefusals: seriesLimitRefusals.load(ordering: .relaxed),
            commitFailures: commitFailures.load(ordering: .relaxed))
    }
}
