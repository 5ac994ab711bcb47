import MetricsModel

/// The scraper's own metrics, under Prometheus's names where Prometheus has the metric.
package final class ScrapeMetrics: Sendable {
    /// Actual time between two scrapes of a target, by configured interval.
    let intervalLength = Summary(
        "prometheus_target_interval_length_seconds", "Actual intervals between scrapes.", labels: ["interval"],
        quantiles: [0.01, 0.05, 0.5, 0.9, 0.99])
    let syncLength = Summary(
        "prometheus_target_sync_length_seconds", "Actual interval to sync the scrape pool.", labels: ["scrape_job"],
        quantiles: [0.01, 0.05, 0.5, 0.9, 0.99])
    let poolSyncs = Counter("prometheus_target_scrape_pool_sync_total", "Total number of syncs that were executed on a scrape pool.", labels: ["scrape_job"])
    let poolReloads = Counter("prometheus_target_scrape_pool_reloads_total", "Total number of scrape pool reloads.")
    let pools = Counter("prometheus_target_scrape_pools_total", "Total number of scrape pool creation attempts.")
    /// Prometheus has no per-pool scrape duration; `scrape_duration_seconds` is per target.
    let scrapeSeconds = Histogram(
        "metricsd_target_scrape_pool_scrape_duration_seconds", "Time to scrape and store one target, by scrape pool.",
        labels: ["scrape_job"], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    let samplesScraped = Counter(
        "metricsd_target_scrape_pool_samples_scraped_total", "Samples scraped, after metric relabeling, by scrape pool.", labels: ["scrape_job"])
    let scrapeFailures = Counter(
        "metricsd_target_scrape_pool_scrape_failures_total", "Scrapes that failed (target down, bad body, sample limit), by scrape pool.",
        labels: ["scrape_job"])
    let exceededTargetLimit = Counter(
        "prometheus_target_scrape_pool_exceeded_target_limit_total", "Total number of times scrape pools hit the target limit, during sync or config reload.")
    package let discovery = DiscoveryMetrics()

    package init() {}

    package func write(to text: inout MetricsText) {
        intervalLength.write(to: &text)
        syncLength.write(to: &text)
        poolSyncs.write(to: &text)
        poolReloads.write(to: &text)
        pools.write(to: &text)
        scrapeSeconds.write(to: &text)
        samplesScraped.write(to: &text)
        scrapeFailures.write(to: &text)
        exceededTargetLimit.write(to: &text)
        discovery.write(to: &text)
    }
}

/// Service discovery's own metrics, under Prometheus's names.
package final class DiscoveryMetrics: Sendable {
    /// Watch events by role and kind (`add`, `update`, `delete`), as Prometheus counts them.
    let kubernetesEvents = Counter("prometheus_sd_kubernetes_events_total", "The number of Kubernetes events handled.", labels: ["role", "event"])
    let kubernetesFailures = Counter("prometheus_sd_kubernetes_failures_total", "The number of failed WATCH/LIST requests.")
    let fileReadErrors = Counter("prometheus_sd_file_read_errors_total", "The number of File-SD read errors.")
    let fileScanSeconds = Summary("prometheus_sd_file_scan_duration_seconds", "The duration of the File-SD scan in seconds.")

    package init() {
        // As Prometheus does, every role and event starts at zero, so dashboards show the series
        // (and rates of 0) before the first event and on agents without Kubernetes discovery.
        for role in ["node", "pod"] {
            for event in ["add", "delete", "update"] { kubernetesEvents.add(0, role, event) }
        }
    }

    package func write(to text: inout MetricsText) {
        kubernetesEvents.write(to: &text)
        kubernetesFailures.write(to: &text)
        fileReadErrors.write(to: &text)
        fileScanSeconds.write(to: &text)
    }
}
