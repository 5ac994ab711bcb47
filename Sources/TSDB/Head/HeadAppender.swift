import MetricsModel

/// One ingest transaction against the head: samples are checked on `append`, then written to the
/// WAL and made visible together on `commit`.
public struct HeadAppender: Appender {
    let head: Head
    private var pending: [(MemSeries, Sample)] = []
    /// Identifies this transaction in `MemSeries.pendingTransaction`.
    private var transaction: UInt64

    init(head: Head) {
        self.head = head
        transaction = head.nextTransaction()
    }

    /// Buffers a sample. Throws `AppendError.outOfOrder` when it is not newer than what the series
    /// holds (or, with an out-of-order window, older than the window), counting it.
    public mutating func append(_ labels: Labels, _ sample: Sample) throws {
        _ = try appendReturningRef(labels, sample)
    }

    public mutating func appendReturningRef(_ labels: Labels, _ sample: Sample) throws -> SeriesRef? {
        let shard = head.shard(for: labels)
        let transaction = self.transaction
        let (series, accepted) = shard.state.withLock { state in
            let series = head.getOrCreate(labels, in: &state).0
            return (series, Self.check(series, sample, transaction: transaction, window: head.options.outOfOrderWindow))
        }
        try add(series, accepted: accepted, sample)
        return series.ref
    }

    public mutating func append(ref: SeriesRef, _ sample: Sample) throws -> Bool {
        guard let series = head.series(ref: ref) else { return false }
        let transaction = self.transaction
        let window = head.options.outOfOrderWindow
        let accepted = head.shard(for: series.labels).state.withLock { _ in
            Self.check(series, sample, transaction: transaction, window: window)
        }
        try add(series, accepted: accepted, sample)
        return true
    }

    /// Under the series' shard lock: whether `sample` is newer than what the series holds and what
    /// this transaction buffered for it (or within the out-of-order window), recording it if so.
    private static func check(_ series: MemSeries, _ sample: Sample, transaction: UInt64, window: Int64) -> Bool {
        let ownPending = series.pendingTransaction == transaction ? series.pendingNewest : Int64.min
        let newest = max(series.maxTime, ownPending)
        if sample.timestamp <= newest {
            return window > 0 && newest != Int64.min && sample.timestamp > newest - window
        }
        series.pendingTransaction = transaction
        series.pendingNewest = sample.timestamp
        return true
    }

    private mutating func add(_ series: MemSeries, accepted: Bool, _ sample: Sample) throws {
        guard accepted else {
            head.statistics.outOfOrderSamples.add(1, ordering: .relaxed)
            throw AppendError.outOfOrder(labels: series.labels, timestamp: sample.timestamp)
        }
        pending.append((series, sample))
    }

    /// Logs the transaction to the WAL, then applies it. When the WAL write fails (a full disk),
    /// nothing is applied, the error says why, and stored data is untouched.
    public mutating func commit() throws {
        defer {
            pending.removeAll(keepingCapacity: true)
            transaction = head.nextTransaction()
        }
        guard !pending.isEmpty else { return }
        let batch = pending
        try head.commitLock.withLock { _ in
            if let wal = head.wal {
                var newSeries: [(ref: SeriesRef, labels: Labels)] = []
                var logged = Set<SeriesRef>()
                for (series, _) in batch where !series.walLogged && logged.insert(series.ref).inserted {
                    newSeries.append((series.ref, series.labels))
                }
                var records: [WALRecord] = []
                if !newSeries.isEmpty { records.append(.series(newSeries)) }
                records.append(.samples(batch.map { ($0.0.ref, $0.1) }))
                do {
                    try wal.log(records)
                } catch {
                    head.statistics.commitFailures.add(1, ordering: .relaxed)
                    throw error
                }
            }
            // Counters and the head's time range are updated once per commit, not per sample.
            var appended: UInt64 = 0
            var acceptedOutOfOrder: UInt64 = 0
            var rejected: UInt64 = 0
            var minTime = Int64.max
            var maxTime = Int64.min
            let chunkRange = head.options.chunkRange
            let window = head.options.outOfOrderWindow
            for (series, sample) in batch {
                let shard = head.shard(for: series.labels)
                let stored: Bool = shard.state.withLock { _ in
                    series.walLogged = true
                    if sample.timestamp > series.maxTime {
                        if (try? series.append(sample, chunkRange: chunkRange)) != nil { return true }
                    } else if window > 0 && sample.timestamp > series.maxTime - window && series.insertOutOfOrder(sample) {
                        acceptedOutOfOrder += 1
                        return true
                    }
                    // A concurrent appender to the same series won the race.
                    return false
                }
                if stored {
                    appended += 1
                    minTime = min(minTime, sample.timestamp)
                    maxTime = max(maxTime, sample.timestamp)
                } else {
                    rejected += 1
                }
            }
            if appended > 0 {
                head.statistics.samplesAppended.add(appended, ordering: .relaxed)
                head.noteTime(minTime)
                head.noteTime(maxTime)
            }
            if acceptedOutOfOrder > 0 { head.statistics.outOfOrderAccepted.add(acceptedOutOfOrder, ordering: .relaxed) }
            if rejected > 0 { head.statistics.outOfOrderSamples.add(rejected, ordering: .relaxed) }
        }
    }

    public mutating func rollback() {
        pending.removeAll(keepingCapacity: true)
        transaction = head.nextTransaction()
    }
}

/// Why a sample was refused.
public enum AppendError: Error, Sendable, Equatable {
    case outOfOrder(labels: Labels, timestamp: Int64)
}
