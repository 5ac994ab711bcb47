import MetricsModel
import Synchronization

/// The latest health of every target, written by scrape pools and loops and read by the API.
package final class TargetStatusBoard: Sendable {
    package struct Entry: Sendable {
        package var target: Target
        package var scrapePool: String
        package var health: String
        package var lastError: String
        /// Milliseconds since the epoch, 0 before the first scrape.
        package var lastScrape: Int64
        package var lastScrapeDuration: Double
        /// Metric families' metadata from the target's last successful scrape.
        package var metadata: [String: MetricMetadata] = [:]
    }

    /// A target relabeling dropped, with the labels discovery gave it.
    package struct Dropped: Sendable {
        package var scrapePool: String
        package var discoveredLabels: Labels
    }

    private struct Pool {
        var entries: [Target.Key: Entry] = [:]
        /// The dropped targets kept for the API (`keep_dropped_targets` of them, or all).
        var dropped: [Labels] = []
        /// How many targets relabeling dropped, kept or not.
        var droppedCount = 0
    }

    private let state = Mutex([String: Pool]())
    /// Scraped samples the store refused, summed over every target, by Prometheus's reasons.
    package let refusals = ScrapeRefusals()
    /// The scraper's and discovery's own metrics.
    package let metrics = ScrapeMetrics()

    package init() {}

    /// Replaces a pool's targets, keeping the health of those that stay.
    /// `keepDropped` > 0 keeps only that many dropped targets (Prometheus's `keep_dropped_targets`),
    /// while their count stays whole.
    package func update(pool name: String, active: [Target], dropped: [Labels], keepDropped: Int = 0) {
        state.withLock { pools in
            var next = Pool(dropped: keepDropped > 0 ? Array(dropped.prefix(keepDropped)) : dropped, droppedCount: dropped.count)
            for target in active {
                next.entries[target.key] = pools[name]?.entries[target.key].map { entry in
                    var entry = entry
                    entry.target = target
                    return entry
                } ?? Entry(target: target, scrapePool: name, health: "unknown", lastError: "", lastScrape: 0, lastScrapeDuration: 0)
            }
            pools[name] = next
        }
    }

    /// Forgets a pool (its job left the configuration).
    package func remove(pool name: String) {
        _ = state.withLock { $0.removeValue(forKey: name) }
    }

    func record(_ target: Target, pool: String, lastScrape: Int64, duration: Double, error: String?, metadata: [String: MetricMetadata]? = nil) {
        state.withLock { pools in
            guard var entry = pools[pool]?.entries[target.key] else { return }
            entry.health = error == nil ? "up" : "down"
            entry.lastError = error ?? ""
            entry.lastScrape = lastScrape
            entry.lastScrapeDuration = duration
            if let metadata { entry.metadata = metadata }
            pools[pool]?.entries[target.key] = entry
        }
    }

    /// Active targets sorted by pool then labels, the dropped ones kept, and each pool's count of dropped targets.
    package func snapshot() -> (active: [Entry], dropped: [Dropped], droppedCounts: [String: Int]) {
        state.withLock { pools in
            let active = pools.values.flatMap(\.entries.values).sorted { ($0.scrapePool, $0.target.labels) < ($1.scrapePool, $1.target.labels) }
            let dropped = pools.sorted { $0.key < $1.key }.flatMap { name, pool in
                pool.dropped.map { Dropped(scrapePool: name, discoveredLabels: $0) }
            }
            return (active, dropped, pools.mapValues(\.droppedCount))
        }
    }

    /// The pool names in use.
    var poolNames: [String] { state.withLock { $0.keys.sorted() } }
}

/// Counters behind `prometheus_target_scrapes_sample_{out_of_order,out_of_bounds,duplicate_timestamp}_total`
/// and `prometheus_target_scrapes_exceeded_sample_limit_total`.
package final class ScrapeRefusals: Sendable {
    let exceededSampleLimitCount = Atomic<UInt64>(0)
    let outOfOrderCount = Atomic<UInt64>(0)
    let outOfBoundsCount = Atomic<UInt64>(0)
    let duplicateTimestampCount = Atomic<UInt64>(0)

    package var outOfOrder: UInt64 { outOfOrderCount.load(ordering: .relaxed) }
    package var outOfBounds: UInt64 { outOfBoundsCount.load(ordering: .relaxed) }
    package var duplicateTimestamp: UInt64 { duplicateTimestampCount.load(ordering: .relaxed) }
    /// Scrapes refused whole because they had more samples than `sample_limit`.
    package var exceededSampleLimitScrapes: UInt64 { exceededSampleLimitCount.load(ordering: .relaxed) }

    func exceededSampleLimit() { exceededSampleLimitCount.add(1, ordering: .relaxed) }

    func add(_ report: ScrapeIngester.Report) {
        if report.outOfOrder > 0 { outOfOrderCount.add(UInt64(report.outOfOrder), ordering: .relaxed) }
        if report.outOfBounds > 0 { outOfBoundsCount.add(UInt64(report.outOfBounds), ordering: .relaxed) }
        if report.duplicateTimestamp > 0 { duplicateTimestampCount.add(UInt64(report.duplicateTimestamp), ordering: .relaxed) }
    }
}
