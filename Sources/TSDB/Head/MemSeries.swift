import MetricsModel

/// A series held in memory: its closed chunks, the open one being appended to, and samples that
/// arrived out of order within the allowed window.
/// Mutable state is guarded by its head shard's lock and never touched outside it (hence `@unchecked Sendable`).
final class MemSeries: @unchecked Sendable {
    let ref: SeriesRef
    let labels: Labels
    // The mutable fields are marked `@exclusivity(unchecked)`: they are only touched under the
    // shard lock (or single-threaded during replay), and the runtime's dynamic exclusivity checks on
    // class properties cost measurably on the append path.

    /// Closed chunks with their time range, oldest first.
    @exclusivity(unchecked) var closed: [(chunk: XORChunk, minTime: Int64, maxTime: Int64)] = []
    @exclusivity(unchecked) var open = XORAppender()
    /// The newest in-order timestamp, `Int64.min` before the first sample, and its value.
    @exclusivity(unchecked) var maxTime = Int64.min
    @exclusivity(unchecked) var lastValue: Double = 0
    /// Where the open chunk must end: chunks never span a block boundary, so the head can hand
    /// whole chunks to a block and drop them.
    @exclusivity(unchecked) var chunkEnd = Int64.min
    /// Samples older than `maxTime` accepted under the out-of-order window, sorted by time.
    @exclusivity(unchecked) var outOfOrder: [Sample] = []
    /// Whether a series record for this series is in the WAL.
    @exclusivity(unchecked) var walLogged = false
    /// The appender transaction that last buffered a sample for this series, and that sample's
    /// timestamp: an appender checks order against its own pending samples without a dictionary.
    @exclusivity(unchecked) var pendingTransaction: UInt64 = 0
    @exclusivity(unchecked) var pendingNewest = Int64.min
    @exclusivity(unchecked) var pendingValue: Double = 0
    /// Which commits the recent samples came from, for readers opened before them.
    @exclusivity(unchecked) var commits = CommitLog()
    /// Native histogram samples, for a series that has had any.
    @exclusivity(unchecked) var histograms: HistogramLane?
    /// Whether the newest in-order sample (`maxTime`), and the newest this transaction buffered, is a
    /// histogram: a float at the same time is then a duplicate, whatever its value.
    @exclusivity(unchecked) var newestIsHistogram = false
    @exclusivity(unchecked) var pendingIsHistogram = false

    init(ref: SeriesRef, labels: Labels) {
        self.ref = ref
        self.labels = labels
    }

    var isEmpty: Bool { closed.isEmpty && open.count == 0 && outOfOrder.isEmpty && (histograms?.isEmpty ?? true) }

    var minTime: Int64 {
        var result = closed.first?.minTime ?? (open.count > 0 ? open.minTime : Int64.max)
        if let first = outOfOrder.first { result = min(result, first.timestamp) }
        if let histograms { result = min(result, histograms.minTime) }
        return result
    }

    /// Appends an in-order sample, cutting a new chunk at `XORAppender.targetSamples` or at the
    /// next multiple of `chunkRange`.
    func append(_ sample: Sample, chunkRange: Int64) throws(ChunkError) {
        if open.count >= XORAppender.targetSamples || (open.count > 0 && sample.timestamp >= chunkEnd) {
            closeOpenChunk()
        }
        if open.count == 0 {
            chunkEnd = sample.timestamp.windowEnd(chunkRange)
        }
        try open.append(sample.timestamp, sample.value)
        maxTime = sample.timestamp
        lastValue = sample.value
        newestIsHistogram = false
    }

    /// Appends an in-order histogram sample (newer than `maxTime`).
    /// The sample's counter-reset hint is replaced by the one the store keeps (`storedHint`).
    func appendHistogram(_ sample: HistogramSample, chunkRange: Int64) {
        if histograms == nil { histograms = HistogramLane() }
        var stored = sample
        stored.histogram.counterResetHint = sample.histogram.storedHint(after: newestIsHistogram ? histograms!.newest : nil)
        histograms!.append(stored, chunkRange: chunkRange)
        maxTime = sample.timestamp
        newestIsHistogram = true
    }

    /// Attaches a whole histogram chunk (WAL checkpoint replay); returns its time range, or nil when
    /// it attached nothing (it overlaps what the lane holds, or ends after `latest`).
    func attach(_ chunk: HistogramChunk, latest: Int64) throws(ChunkError) -> ClosedRange<Int64>? {
        var lane = histograms ?? HistogramLane()
        guard let range = try lane.attach(chunk, latest: latest) else { return nil }
        histograms = lane
        if range.upperBound > maxTime {
            maxTime = range.upperBound
            newestIsHistogram = true
        }
        return range
    }

    /// The histogram samples `view` may see in `mint...maxt`, for decoding outside the shard lock.
    func histogramSnapshot(from mint: Int64, through maxt: Int64, view: ReadView) -> HistogramSnapshot? {
        guard let histograms else { return nil }
        let snapshot = histograms.snapshot(from: mint, through: min(maxt, commits.firstHidden(from: view) - 1))
        return snapshot.isEmpty ? nil : snapshot
    }

    /// Inserts a sample older than `maxTime` (the caller checked the window). Duplicates are refused.
    func insertOutOfOrder(_ sample: Sample) -> Bool {
        var low = 0
        var high = outOfOrder.count
        while low < high {
            let mid = (low + high) / 2
            if outOfOrder[mid].timestamp < sample.timestamp { low = mid + 1 } else { high = mid }
        }
        if low < outOfOrder.count && outOfOrder[low].timestamp == sample.timestamp { return false }
        outOfOrder.insert(sample, at: low)
        return true
    }

    func closeOpenChunk() {
        guard open.count > 0 else { return }
        closed.append((open.chunk(), open.minTime, open.lastTimestamp))
        open = XORAppender()
    }

    /// Attaches a whole chunk (WAL checkpoint replay). Chunks must arrive in time order.
    /// Returns false, attaching nothing, when the chunk ends after `latest` (ahead of the clock).
    @discardableResult
    func attach(_ chunk: XORChunk, latest: Int64 = Int64.max) throws(ChunkError) -> Bool {
        let samples = try chunk.samples()
        guard let first = samples.first, let last = samples.last else { return true }
        guard last.timestamp <= latest else { return false }
        guard first.timestamp > maxTime else { return true }
        closeOpenChunk()
        closed.append((chunk, first.timestamp, last.timestamp))
        maxTime = last.timestamp
        lastValue = last.value
        return true
    }

    /// Every sample in `mint...maxt`, in time order, out-of-order ones merged in.
    func samples(from mint: Int64, through maxt: Int64) -> [Sample] {
        snapshot(from: mint, through: maxt, view: .everything).samples()
    }

    /// The chunks and late samples that may hold samples in `mint...maxt` and that `view` may see,
    /// copied (chunks are copy-on-write values, so this is cheap) for decoding after the shard
    /// lock is released.
    func snapshot(from mint: Int64, through maxt: Int64, view: ReadView) -> Snapshot {
        // Samples of commits newer than the view's are left out: in order, they are the newest.
        let maxt = min(maxt, commits.firstHidden(from: view) - 1)
        var chunks: [XORChunk] = []
        for entry in closed where entry.maxTime >= mint && entry.minTime <= maxt { chunks.append(entry.chunk) }
        if open.count > 0 && open.lastTimestamp >= mint && open.minTime <= maxt { chunks.append(open.chunk()) }
        var late = outOfOrder.isEmpty ? [] : outOfOrder.filter { $0.timestamp >= mint && $0.timestamp <= maxt }
        if !late.isEmpty {
            let hidden = commits.hiddenLate(from: view)
            if !hidden.isEmpty { late.removeAll { hidden.contains($0.timestamp) } }
        }
        return Snapshot(chunks: chunks, late: late, mint: mint, maxt: maxt)
    }

    /// A series' data for one read, taken under the shard lock and decoded outside it.
    struct Snapshot {
        let chunks: [XORChunk]
        let late: [Sample]
        let mint: Int64
        let maxt: Int64

        var isEmpty: Bool { chunks.isEmpty && late.isEmpty }

        func samples() -> [Sample] {
            var out: [Sample] = []
            for chunk in chunks {
                // A chunk that fails to decode cannot happen for one we wrote; skip rather than crash.
                guard let decoded = try? chunk.samples() else { continue }
                out.append(contentsOf: decoded.lazy.filter { $0.timestamp >= mint && $0.timestamp <= maxt })
            }
            return late.isEmpty ? out : Sample.merge(out, late)
        }
    }

    /// The value stored at exactly `timestamp`, if any. Decodes at most one chunk; used on the
    /// refusal path only, to tell a resent sample from an out-of-order one.
    func storedValue(at timestamp: Int64) -> Double? {
        samples(from: timestamp, through: timestamp).first?.value
    }

    /// Drops data older than `cut`: whole closed chunks that end before it and out-of-order samples.
    /// Chunks never span a multiple of the chunk range, so cutting at one drops whole chunks.
    func truncate(before cut: Int64) {
        closed.removeAll { $0.maxTime < cut }
        if open.count > 0 && open.lastTimestamp < cut { open = XORAppender() }
        outOfOrder.removeAll { $0.timestamp < cut }
        histograms?.truncate(before: cut)
        if histograms?.isEmpty == true { histograms = nil }
    }
}
