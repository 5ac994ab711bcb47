import MetricsModel
import Synchronization

/// The in-memory part of the store: every active series with its recent samples.
///
/// Series are spread over shards by their label set's stable hash; each shard has its own lock,
/// so appenders for different targets rarely contend.
public final class Head: Appendable, Sendable {
    final class Shard: Sendable {
        struct State {
            var byLabels: [Labels: MemSeries] = [:]
        }
        let state = Mutex(State())
    }

    private let shards: [Shard]
    private let nextRef = Atomic<UInt64>(1)
    private let counters = Atomic<UInt64>(0)
    let statistics = HeadStatistics()

    public init(shardCount: Int = 16) {
        precondition(shardCount > 0)
        shards = (0..<shardCount).map { _ in Shard() }
    }

    public func appender() -> HeadAppender { HeadAppender(head: self) }

    /// Counters for the self-metrics.
    public var stats: HeadStatistics.Snapshot { statistics.snapshot() }

    func shard(for labels: Labels) -> Shard {
        shards[Int(labels.stableHash % UInt64(shards.count))]
    }

    /// The series for `labels`, created if new. Returns the series and whether it was created.
    func getOrCreate(_ labels: Labels, in state: inout Shard.State) -> (MemSeries, Bool) {
        if let series = state.byLabels[labels] { return (series, false) }
        let ref = nextRef.wrappingAdd(1, ordering: .relaxed).oldValue
        let series = MemSeries(ref: ref, labels: labels)
        state.byLabels[labels] = series
        statistics.seriesCreated.add(1, ordering: .relaxed)
        return (series, true)
    }

    /// Every series whose labels satisfy all `matchers`, with its samples in `mint...maxt`, sorted by labels.
    /// A full scan for now; postings come with the persisted index.
    public func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) -> [(Labels, [Sample])] {
        var out: [(Labels, [Sample])] = []
        for shard in shards {
            shard.state.withLock { state in
                for (labels, series) in state.byLabels where labels.matches(matchers) {
                    let samples = series.samples(from: mint, through: maxt)
                    if !samples.isEmpty { out.append((labels, samples)) }
                }
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// How many series the head holds.
    public var seriesCount: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.byLabels.count } }
    }
}

/// Monotonic counters of the head, read lock-free by the self-metrics.
public final class HeadStatistics: Sendable {
    let samplesAppended = Atomic<UInt64>(0)
    let outOfOrderSamples = Atomic<UInt64>(0)
    let seriesCreated = Atomic<UInt64>(0)

    public struct Snapshot: Sendable {
        public var samplesAppended: UInt64
        public var outOfOrderSamples: UInt64
        public var seriesCreated: UInt64
    }

    func snapshot() -> Snapshot {
        Snapshot(
            samplesAppended: samplesAppended.load(ordering: .relaxed),
            outOfOrderSamples: outOfOrderSamples.load(ordering: .relaxed),
            seriesCreated: seriesCreated.load(ordering: .relaxed))
    }
}
