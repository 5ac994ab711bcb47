import MetricsModel

/// One ingest transaction against the head: samples are checked on `append` and become
/// visible together on `commit`.
public struct HeadAppender: Appender {
    let head: Head
    private var pending: [(MemSeries, Sample)] = []
    /// The newest pending timestamp per series, so order is checked in O(1).
    private var pendingNewest: [SeriesRef: Int64] = [:]

    init(head: Head) {
        self.head = head
    }

    /// Buffers a sample. Throws `AppendError.outOfOrder` when it is not newer than what the series holds,
    /// counting it, as Prometheus does.
    public mutating func append(_ labels: Labels, _ sample: Sample) throws {
        let shard = head.shard(for: labels)
        let (series, committedNewest) = shard.state.withLock { state in
            let series = head.getOrCreate(labels, in: &state).0
            return (series, series.maxTime)
        }
        // Within one transaction the series' pending samples also count.
        let newest = max(committedNewest, pendingNewest[series.ref] ?? Int64.min)
        if sample.timestamp <= newest {
            head.statistics.outOfOrderSamples.add(1, ordering: .relaxed)
            throw AppendError.outOfOrder(labels: labels, timestamp: sample.timestamp)
        }
        pending.append((series, sample))
        pendingNewest[series.ref] = sample.timestamp
    }

    public mutating func commit() throws {
        for (series, sample) in pending {
            let shard = head.shard(for: series.labels)
            shard.state.withLock { _ in
                // Checked at append time; a concurrent appender to the same series may have won since.
                if sample.timestamp > series.maxTime, (try? series.append(sample)) != nil {
                    head.statistics.samplesAppended.add(1, ordering: .relaxed)
                } else {
                    head.statistics.outOfOrderSamples.add(1, ordering: .relaxed)
                }
            }
        }
        pending.removeAll(keepingCapacity: true)
        pendingNewest.removeAll(keepingCapacity: true)
    }

    public mutating func rollback() {
        pending.removeAll(keepingCapacity: true)
        pendingNewest.removeAll(keepingCapacity: true)
    }
}

/// Why a sample was refused.
public enum AppendError: Error, Sendable, Equatable {
    case outOfOrder(labels: Labels, timestamp: Int64)
}
