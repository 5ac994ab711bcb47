import MetricsModel

/// One ingest transaction against the head: samples are checked on `append`, then written to the
/// WAL and made visible together on `commit`.
package struct HeadAppender: Appender {
    let head: Head
    private var pending: [(MemSeries, Sample)] = []
    private var pendingHistograms: [(MemSeries, HistogramSample)] = []
    /// Identifies this transaction in `MemSeries.pendingTransaction`.
    private var transaction: UInt64
    /// The timestamps this transaction may write, fixed when it starts (as Prometheus's appender
    /// fixes its minimum valid time), so one transaction's samples are judged alike.
    private var bounds: ClosedRange<Int64>

    init(head: Head) {
        self.head = head
        transaction = head.nextTransaction()
        bounds = head.appendableRange()
    }

    /// Buffers a sample for the series `ref` stands for, or for `labels` when `ref` is 0 or has left
    /// the head. Throws `AppendError` when the sample is out of bounds, not newer than what the
    /// series holds (or older than the out-of-order window), or a second value for a timestamp the
    /// series has, counting it. A sample the series already holds, timestamp and value, is accepted
    /// and dropped, so a retried request succeeds.
    package mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef {
        if ref != 0, let series = head.series(ref: ref) {
            guard bounds.contains(sample.timestamp) else { throw refuseOutOfBounds(sample, series.labels) }
            let transaction = self.transaction
            let window = head.options.outOfOrderWindow
            let verdict = head.shard(for: series.labels).state.withLock { _ in
                Self.check(series, sample, transaction: transaction, window: window)
            }
            try add(series, verdict, sample)
            return ref
        }
        guard !labels.isEmpty else { throw AppendError.unknownReference(ref) }
        guard bounds.contains(sample.timestamp) else { throw refuseOutOfBounds(sample, labels) }
        let shard = head.shard(for: labels)
        let transaction = self.transaction
        let (series, verdict) = try shard.state.withLock { state throws(AppendError) in
            let series = try head.getOrCreate(labels, in: &state).0
            return (series, Self.check(series, sample, transaction: transaction, window: head.options.outOfOrderWindow))
        }
        try add(series, verdict, sample)
        return series.ref
    }

    /// Counts a sample outside the bounds and returns the error to throw (the labels are touched
    /// only here, off the hot path).
    private func refuseOutOfBounds(_ sample: Sample, _ labels: Labels) -> AppendError {
        head.statistics.outOfBoundsSamples.add(1, ordering: .relaxed)
        if sample.timestamp > bounds.upperBound { head.statistics.tooFarInFutureSamples.add(1, ordering: .relaxed) }
        return AppendError.outOfBounds(labels: labels, timestamp: sample.timestamp)
    }

    /// What `check` made of a sample.
    private enum Verdict {
        case accepted, alreadyStored, outOfOrder, duplicate
    }

    /// Under the series' shard lock: whether `sample` is newer than what the series holds and what
    /// this transaction buffered for it (or within the out-of-order window), recording it if so.
    private static func check(_ series: MemSeries, _ sample: Sample, transaction: UInt64, window: Int64) -> Verdict {
        let ownPending = series.pendingTransaction == transaction && series.pendingNewest > series.maxTime
        let newest = ownPending ? series.pendingNewest : series.maxTime
        if sample.timestamp == newest && newest != Int64.min {
            if ownPending ? series.pendingIsHistogram : series.newestIsHistogram { return .duplicate }
            // Prometheus's rule: the same value again is no error (a retry), another one is.
            let newestValue = ownPending ? series.pendingValue : series.lastValue
            return newestValue.bitPattern == sample.value.bitPattern ? .alreadyStored : .duplicate
        }
        if sample.timestamp < newest {
            if window > 0 && sample.timestamp > newest - window { return .accepted }
            // A sample the series already holds, value and all, is a resend (a remote-write retry
            // of a whole batch), not an out-of-order one.
            return series.storedValue(at: sample.timestamp)?.bitPattern == sample.value.bitPattern ? .alreadyStored : .outOfOrder
        }
        series.pendingTransaction = transaction
        series.pendingNewest = sample.timestamp
        series.pendingValue = sample.value
        series.pendingIsHistogram = false
        return .accepted
    }

    private mutating func add(_ series: MemSeries, _ verdict: Verdict, _ sample: Sample) throws {
        switch verdict {
        case .accepted:
            pending.append((series, sample))
        case .alreadyStored:
            return
        case .outOfOrder:
            head.statistics.outOfOrderSamples.add(1, ordering: .relaxed)
            throw AppendError.outOfOrder(labels: series.labels, timestamp: sample.timestamp)
        case .duplicate:
            head.statistics.duplicateSamples.add(1, ordering: .relaxed)
            throw AppendError.duplicate(labels: series.labels, timestamp: sample.timestamp)
        }
    }

    /// Buffers a native histogram sample, as `append` buffers a float one. Histograms are accepted in
    /// order only (as in Prometheus 2.42); an invalid one is refused with the reason.
    package mutating func appendHistogram(_ ref: SeriesRef, _ labels: Labels, _ sample: HistogramSample) throws -> SeriesRef {
        let known = ref != 0 ? head.series(ref: ref) : nil
        guard known != nil || !labels.isEmpty else { throw AppendError.unknownReference(ref) }
        let seriesLabels = known?.labels ?? labels
        if let problem = sample.histogram.invalidity { throw AppendError.invalidHistogram(labels: seriesLabels, reason: problem) }
        guard bounds.contains(sample.timestamp) else { throw refuseOutOfBounds(Sample(timestamp: sample.timestamp, value: 0), seriesLabels) }
        let transaction = self.transaction
        let (series, verdict) = try head.shard(for: seriesLabels).state.withLock { state throws(AppendError) in
            let series: MemSeries
            if let known { series = known } else { series = try head.getOrCreate(labels, in: &state).0 }
            return (series, Self.checkHistogram(series, sample, transaction: transaction))
        }
        switch verdict {
        case .accepted: pendingHistograms.append((series, sample))
        default: try add(series, verdict, Sample(timestamp: sample.timestamp, value: 0))
        }
        return series.ref
    }

    /// `check` for a histogram: a histogram at the newest time is a resend when it is the one stored.
    private static func checkHistogram(_ series: MemSeries, _ sample: HistogramSample, transaction: UInt64) -> Verdict {
        let ownPending = series.pendingTransaction == transaction && series.pendingNewest > series.maxTime
        let newest = ownPending ? series.pendingNewest : series.maxTime
        if sample.timestamp <= newest && newest != Int64.min {
            if ownPending && sample.timestamp == newest { return .duplicate }
            guard let stored = series.histograms?.sample(at: sample.timestamp) else {
                return sample.timestamp == newest ? .duplicate : .outOfOrder
            }
            return stored.histogram == sample.histogram ? .alreadyStored : (sample.timestamp == newest ? .duplicate : .outOfOrder)
        }
        series.pendingTransaction = transaction
        series.pendingNewest = sample.timestamp
        series.pendingIsHistogram = true
        return .accepted
    }

    /// Logs the transaction to the WAL, then applies it. When the WAL write fails (a full disk),
    /// nothing is applied, the error says why, and stored data is untouched.
    package mutating func commit() throws {
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingHistograms.removeAll(keepingCapacity: true)
            transaction = head.nextTransaction()
            bounds = head.appendableRange()
        }
        guard !pending.isEmpty || !pendingHistograms.isEmpty else { return }
        let batch = pending
        let histograms = pendingHistograms
        try head.commitLock.withLock { _ in
            if let wal = head.wal {
                var newSeries: [(ref: SeriesRef, labels: Labels)] = []
                var logged = Set<SeriesRef>()
                for series in batch.lazy.map(\.0) + histograms.lazy.map(\.0) where !series.walLogged && logged.insert(series.ref).inserted {
                    newSeries.append((series.ref, series.labels))
                }
                var records: [WALRecord] = []
                if !newSeries.isEmpty { records.append(.series(newSeries)) }
                if !batch.isEmpty { records.append(.samples(batch.map { ($0.0.ref, $0.1) })) }
                if !histograms.isEmpty { records.append(.histograms(histograms.map { ($0.0.ref, $0.1) })) }
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
            // Readers opened before `commitApplied` skip this commit's samples, in every series.
            let id = head.isolation.nextCommit()
            let watermark = head.isolation.lowWatermark
            defer { head.isolation.commitApplied(id) }
            for (series, sample) in batch {
                let shard = head.shard(for: series.labels)
                let stored: Bool = shard.state.withLock { _ in
                    series.walLogged = true
                    if sample.timestamp > series.maxTime {
                        if (try? series.append(sample, chunkRange: chunkRange)) != nil {
                            series.commits.noteInOrder(id: id, timestamp: sample.timestamp, lowWatermark: watermark)
                            return true
                        }
                    } else if window > 0 && sample.timestamp > series.maxTime - window && series.insertOutOfOrder(sample) {
                        series.commits.noteLate(id: id, timestamp: sample.timestamp, lowWatermark: watermark)
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
            for (series, sample) in histograms {
                let stored: Bool = head.shard(for: series.labels).state.withLock { _ in
                    series.walLogged = true
                    // Histograms are in order only; a concurrent appender may have won the race.
                    guard sample.timestamp > series.maxTime else { return false }
                    series.appendHistogram(sample, chunkRange: chunkRange)
                    series.commits.noteInOrder(id: id, timestamp: sample.timestamp, lowWatermark: watermark)
                    return true
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

    package mutating func rollback() {
        pending.removeAll(keepingCapacity: true)
        pendingHistograms.removeAll(keepingCapacity: true)
        transaction = head.nextTransaction()
        bounds = head.appendableRange()
    }
}
