import MetricsModel
import QueryAPI
import Scraper

/// The scraper's status board as the API's `TargetRetriever`: metricsd is the one module that sees
/// both, so the adapter lives here and neither side imports the other.
struct ScrapeTargets: TargetRetriever {
    let board: TargetStatusBoard

    func targets() -> (active: [ActiveTarget], dropped: [DroppedTarget]) {
        let snapshot = board.snapshot()
        let active = snapshot.active.map { entry in
            ActiveTarget(
                scrapePool: entry.scrapePool, labels: entry.target.labels, discoveredLabels: entry.target.discoveredLabels,
                url: entry.target.url, health: entry.health, lastError: entry.lastError, lastScrape: entry.lastScrape,
                lastScrapeDuration: entry.lastScrapeDuration, interval: entry.target.interval, timeout: entry.target.timeout,
                metadata: entry.metadata)
        }
        return (active, snapshot.dropped.map { DroppedTarget(scrapePool: $0.scrapePool, discoveredLabels: $0.discoveredLabels) })
    }

    func droppedTargetCounts() -> [String: Int] {
        board.snapshot().droppedCounts
    }

    func sampleRefusals() -> SampleRefusals {
        let refusals = board.refusals
        return SampleRefusals(outOfOrder: refusals.outOfOrder, outOfBounds: refusals.outOfBounds, duplicateTimestamp: refusals.duplicateTimestamp,
            exceededSampleLimit: refusals.exceededSampleLimitScrapes)
    }
}

extension ScrapeTargets {
    func writeMetrics(to text: inout MetricsText) {
        board.metrics.write(to: &text)
    }
}

extension ScrapeTargets {
    /// Each metric family's metadata across every target (the first target's, where they differ),
    /// for remote write's `metadata_config`.
    func familyMetadata() -> [(family: String, metadata: MetricMetadata)] {
        var families: [String: MetricMetadata] = [:]
        for entry in board.snapshot().active {
            for (family, metadata) in entry.metadata where families[family] == nil { families[family] = metadata }
        }
        return families.map { ($0.key, $0.value) }
    }
}
