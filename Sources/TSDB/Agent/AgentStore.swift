#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsModel
import Synchronization

/// `metricsd --agent`'s store: a WAL and the series it names, nothing else. Samples go to the WAL
/// (`docs/format/wal.md`, the same records as the full store's) for remote write to read; there is
/// no head of samples and there are no blocks, so memory is the live series and disk is the WAL
/// the queues have not sent, bounded by `truncate` and the hold limits.
package final class AgentStore: Appendable, Sendable {
    /// The agent's settings.
    package struct Options: Sendable {
        package var wal = WALOptions()
        /// Series with no sample for this long are forgotten at the next truncation.
        package var seriesIdle: Int64 = 4 * 3_600_000
        /// Refuse samples further ahead of the clock than this (milliseconds), as the full store does.
        package var clock = SampleClock()

        package init() {}
    }

    struct Series {
        let ref: SeriesRef
        let labels: Labels
        var newest: Int64 = Int64.min
        /// Whether its series record is in the WAL (a series created by a rolled-back transaction is not).
        var logged = false
    }

    struct State {
        var byLabels: [Labels: SeriesRef] = [:]
        var byRef: [SeriesRef: Series] = [:]
        var nextRef: SeriesRef = 1
    }

    package let path: String
    package let wal: WAL
    let options: Options
    let logger: Logger
    private let state = Mutex(State())
    /// Serialises commits with a truncation's segment cut, so a commit is wholly on one side.
    let commitLock = Mutex(())
    package let statistics = AgentStatistics()

    /// Opens (or creates) `path/wal`, reads back the series it names, and starts a new segment.
    package init(path: String, options: Options = Options(), logger: Logger) throws {
        self.path = path
        self.options = options
        self.logger = logger
        try FileIO.makeDirectory(path)
        wal = try WAL(directory: path + "/wal", options: options.wal, logger: logger)
        var restored = State()
        let report = try wal.replay { record in
            switch record {
            case .series(let entries):
                for (ref, labels) in entries {
                    if let previous = restored.byLabels[labels], previous != ref { restored.byRef[previous] = nil }
                    restored.byLabels[labels] = ref
                    restored.byRef[ref] = Series(ref: ref, labels: labels, logged: true)
                    restored.nextRef = max(restored.nextRef, ref + 1)
                }
            case .samples(let samples):
                for (ref, sample) in samples {
                    if let newest = restored.byRef[ref]?.newest, newest < sample.timestamp { restored.byRef[ref]!.newest = sample.timestamp }
                }
            case .histograms(let samples):
                for (ref, sample) in samples {
                    if let newest = restored.byRef[ref]?.newest, newest < sample.timestamp { restored.byRef[ref]!.newest = sample.timestamp }
                }
            case .tombstones, .chunks, .histogramChunks:
                break
            }
        }
        state.withLock { $0 = restored }
        statistics.activeSeries.store(restored.byRef.count, ordering: .relaxed)
        try wal.startWriting()
        logger.info("agent WAL replayed", metadata: ["series": "\(restored.byRef.count)", "bytes": "\(report.bytes)", "segments": "\(report.segments)"])
    }

    package func appender() -> AgentAppender { AgentAppender(store: self) }

    /// Closes the WAL.
    package func close() { wal.close() }

    // MARK: Series

    /// The series of `ref`, or of `labels` (created, not yet logged, when new).
    func series(_ ref: SeriesRef, _ labels: Labels) throws -> Series {
        try state.withLock { state in
            if ref != 0, let series = state.byRef[ref] { return series }
            guard !labels.isEmpty else { throw AppendError.unknownReference(ref) }
            if let known = state.byLabels[labels], let series = state.byRef[known] { return series }
            let series = Series(ref: state.nextRef, labels: labels)
            state.nextRef += 1
            state.byLabels[labels] = series.ref
            state.byRef[series.ref] = series
            statistics.activeSeries.store(state.byRef.count, ordering: .relaxed)
            return series
        }
    }

    /// Writes a transaction: series records for series not logged yet, then the samples; then
    /// records the series' newest timestamps.
    func commit(_ samples: [(ref: SeriesRef, sample: Sample)], histograms: [(ref: SeriesRef, sample: HistogramSample)] = []) throws {
        guard !samples.isEmpty || !histograms.isEmpty else { return }
        try commitLock.withLock { _ in
            let unlogged = state.withLock { state -> [(ref: SeriesRef, labels: Labels)] in
                var out: [(ref: SeriesRef, labels: Labels)] = []
                var seen = Set<SeriesRef>()
                for ref in samples.lazy.map(\.ref) + histograms.lazy.map(\.ref) {
                    guard let series = state.byRef[ref], !series.logged, seen.insert(ref).inserted else { continue }
                    out.append((ref, series.labels))
                }
                return out
            }
            var records: [WALRecord] = []
            if !unlogged.isEmpty { records.append(.series(unlogged)) }
            if !samples.isEmpty { records.append(.samples(samples)) }
            if !histograms.isEmpty { records.append(.histograms(histograms)) }
            try wal.log(records)
            state.withLock { state in
                for (ref, _) in unlogged { state.byRef[ref]?.logged = true }
                for (ref, timestamp) in samples.lazy.map({ ($0.ref, $0.sample.timestamp) }) + histograms.lazy.map({ ($0.ref, $0.sample.timestamp) }) {
                    if let newest = state.byRef[ref]?.newest, newest < timestamp { state.byRef[ref]!.newest = timestamp }
                }
            }
        }
        statistics.samplesAppended.add(UInt64(samples.count + histograms.count), ordering: .relaxed)
    }

    // MARK: Truncation

    /// Cuts the WAL and checkpoints the series still live, forgetting those idle past
    /// `seriesIdle`: every segment before the cut is then deleted, except what a remote-write
    /// queue still holds (`WAL.hold`).
    package func truncate(now: Int64 = Timestamps.now()) throws {
        let began = ContinuousClock.now
        let cutoff = now - options.seriesIdle
        let upTo = try commitLock.withLock { _ in try wal.cutSegment() }
        let live = state.withLock { state -> [(ref: SeriesRef, labels: Labels)] in
            for (ref, series) in state.byRef where series.newest < cutoff && series.logged {
                state.byRef[ref] = nil
                state.byLabels[series.labels] = nil
            }
            statistics.activeSeries.store(state.byRef.count, ordering: .relaxed)
            return state.byRef.values.filter(\.logged).map { ($0.ref, $0.labels) }.sorted { $0.ref < $1.ref }
        }
        var records: [WALRecord] = []
        for start in stride(from: 0, to: live.count, by: 10_000) {
            records.append(.series(Array(live[start..<min(start + 10_000, live.count)])))
        }
        try wal.checkpoint(upTo: upTo, records: records)
        statistics.truncations.add(1, ordering: .relaxed)
        logger.info("agent WAL truncated", metadata: [
            "checkpoint": "\(WAL.segmentName(upTo))", "series": "\(live.count)", "seconds": "\((ContinuousClock.now - began).seconds)",
        ])
    }
}

/// One agent transaction: samples are checked against each series' newest on `append` and logged together on `commit`.
package struct AgentAppender: Appender {
    let store: AgentStore
    private var pending: [(ref: SeriesRef, sample: Sample)] = []
    private var pendingHistograms: [(ref: SeriesRef, sample: HistogramSample)] = []
    /// The newest timestamp buffered per series in this transaction.
    private var buffered: [SeriesRef: Int64] = [:]
    private let bounds: ClosedRange<Int64>

    init(store: AgentStore) {
        self.store = store
        let clock = store.options.clock
        bounds = Int64.min...(clock.now() + clock.futureTolerance)
    }

    /// Buffers `sample`; throws `AppendError` for a sample too far ahead of the clock or not newer
    /// than what the series has (agent mode has no out-of-order window, as Prometheus's agent).
    package mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef {
        let series = try store.series(ref, labels)
        guard try accepts(series, sample.timestamp) else { return series.ref }
        pending.append((series.ref, sample))
        return series.ref
    }

    /// Buffers a native histogram sample, checked as `append` checks a float one.
    package mutating func appendHistogram(_ ref: SeriesRef, _ labels: Labels, _ sample: HistogramSample) throws -> SeriesRef {
        let series = try store.series(ref, labels)
        if let problem = sample.histogram.invalidity { throw AppendError.invalidHistogram(labels: series.labels, reason: problem) }
        guard try accepts(series, sample.timestamp) else { return series.ref }
        pendingHistograms.append((series.ref, sample))
        return series.ref
    }

    /// Whether a sample at `timestamp` is new for `series` (false: a resend at its newest time, which
    /// is dropped); throws when it is out of bounds or out of order.
    private mutating func accepts(_ series: AgentStore.Series, _ timestamp: Int64) throws -> Bool {
        guard bounds.contains(timestamp) else {
            store.statistics.outOfBounds.add(1, ordering: .relaxed)
            throw AppendError.outOfBounds(labels: series.labels, timestamp: timestamp)
        }
        let newest = max(buffered[series.ref] ?? .min, series.newest)
        guard timestamp > newest else {
            if timestamp == newest { return false }
            store.statistics.outOfOrder.add(1, ordering: .relaxed)
            throw AppendError.outOfOrder(labels: series.labels, timestamp: timestamp)
        }
        buffered[series.ref] = timestamp
        return true
    }

    package mutating func commit() throws {
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingHistograms.removeAll(keepingCapacity: true)
            buffered.removeAll(keepingCapacity: true)
        }
        try store.commit(pending, histograms: pendingHistograms)
    }

    package mutating func rollback() {
        pending.removeAll(keepingCapacity: true)
        pendingHistograms.removeAll(keepingCapacity: true)
        buffered.removeAll(keepingCapacity: true)
    }
}

/// The agent store's counters, with Prometheus's agent metric names.
package final class AgentStatistics: Sendable {
    package let activeSeries = Atomic<Int>(0)
    package let samplesAppended = Atomic<UInt64>(0)
    let outOfOrder = Atomic<UInt64>(0)
    let outOfBounds = Atomic<UInt64>(0)
    let truncations = Atomic<UInt64>(0)

    /// `prometheus_agent_*` and the WAL's own families.
    package func write(to text: inout MetricsText, wal: WAL) {
        text.single("prometheus_agent_active_series", "gauge", "Number of active series being tracked by the WAL storage", Double(activeSeries.load(ordering: .relaxed)))
        text.single("prometheus_agent_samples_appended_total", "counter", "Total number of samples appended to the storage", Double(samplesAppended.load(ordering: .relaxed)))
        text.single("prometheus_agent_out_of_order_samples_total", "counter", "Total number of out of order samples ingestion failed attempts.", Double(outOfOrder.load(ordering: .relaxed)))
        text.single("metricsd_agent_out_of_bounds_samples_total", "counter", "Samples refused for being too far ahead of the clock.", Double(outOfBounds.load(ordering: .relaxed)))
        text.single("prometheus_agent_truncate_total", "counter", "Number of WAL truncations (a cut, a checkpoint of the live series, and deletion of what no queue holds).", Double(truncations.load(ordering: .relaxed)))
        text.single("prometheus_tsdb_wal_segment_current", "gauge", "Write log segment index that TSDB is currently writing to.", Double(wal.statistics.currentSegment.load(ordering: .relaxed)))
        text.single("metricsd_agent_wal_bytes", "gauge", "Bytes of the agent's WAL on disk: segments and checkpoints.", Double(wal.sizeOnDisk()))
        wal.statistics.fsyncSeconds.write(to: &text)
    }
}
