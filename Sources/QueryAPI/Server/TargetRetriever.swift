import MetricsModel

/// The scrape side as the API reads it: targets with their health and metadata, and what the store
/// refused of their samples. Declared here, by its consumer, as Prometheus's API declares
/// `TargetRetriever`, so QueryAPI does not depend on the scraper; metricsd adapts the scraper's
/// status board to it.
package protocol TargetRetriever: Sendable {
    /// Every active target, and the targets relabeling dropped that are kept for the API.
    func targets() -> (active: [ActiveTarget], dropped: [DroppedTarget])
    /// How many targets relabeling dropped in each pool, kept or not (`keep_dropped_targets`).
    func droppedTargetCounts() -> [String: Int]
    /// Scraped samples the store refused, summed over every target, by Prometheus's reasons.
    func sampleRefusals() -> SampleRefusals
    /// The scraper's and discovery's own metrics, appended in Prometheus text format.
    func writeMetrics(to text: inout MetricsText)
}

extension TargetRetriever {
    package func writeMetrics(to text: inout MetricsText) {}

    /// For retrievers that keep every dropped target.
    package func droppedTargetCounts() -> [String: Int] {
        Dictionary(targets().dropped.map { ($0.scrapePool, 1) }, uniquingKeysWith: +)
    }
}

/// One scraped target as `/api/v1/targets` shows it.
package struct ActiveTarget: Sendable {
    package var scrapePool: String
    package var labels: Labels
    package var discoveredLabels: Labels
    package var url: String
    /// "up", "down" or "unknown".
    package var health: String
    package var lastError: String
    /// Milliseconds since the epoch, 0 before the first scrape.
    package var lastScrape: Int64
    package var lastScrapeDuration: Double
    package var interval: PromDuration
    package var timeout: PromDuration
    /// Metric families' metadata from the target's last successful scrape.
    package var metadata: [String: MetricMetadata]

    package init(
        scrapePool: String, labels: Labels, discoveredLabels: Labels, url: String, health: String = "unknown", lastError: String = "",
        lastScrape: Int64 = 0, lastScrapeDuration: Double = 0, interval: PromDuration, timeout: PromDuration,
        metadata: [String: MetricMetadata] = [:]
    ) {
        self.scrapePool = scrapePool
        self.labels = labels
        self.discoveredLabels = discoveredLabels
        self.url = url
        self.health = health
        self.lastError = lastError
        self.lastScrape = lastScrape
        self.lastScrapeDuration = lastScrapeDuration
        self.interval = interval
        self.timeout = timeout
        self.metadata = metadata
    }
}

/// A target relabeling dropped, with the labels discovery gave it.
package struct DroppedTarget: Sendable {
    package var scrapePool: String
    package var discoveredLabels: Labels

    package init(scrapePool: String, discoveredLabels: Labels) {
        self.scrapePool = scrapePool
        self.discoveredLabels = discoveredLabels
    }
}

/// Counts behind `prometheus_target_scrapes_sample_{out_of_order,out_of_bounds,duplicate_timestamp}_total`.
package struct SampleRefusals: Sendable, Equatable {
    package var outOfOrder: UInt64
    package var outOfBounds: UInt64
    package var duplicateTimestamp: UInt64
    /// Scrapes refused whole for exceeding `sample_limit`.
    package var exceededSampleLimit: UInt64

    package init(outOfOrder: UInt64 = 0, outOfBounds: UInt64 = 0, duplicateTimestamp: UInt64 = 0, exceededSampleLimit: UInt64 = 0) {
        self.exceededSampleLimit = exceededSampleLimit
        self.outOfOrder = outOfOrder
        self.outOfBounds = outOfBounds
        self.duplicateTimestamp = duplicateTimestamp
    }
}

/// A server without a scraper: no targets, nothing refused.
struct NoTargets: TargetRetriever {
    package init() {}
    package func targets() -> (active: [ActiveTarget], dropped: [DroppedTarget]) { ([], []) }
    package func sampleRefusals() -> SampleRefusals { SampleRefusals() }
}
