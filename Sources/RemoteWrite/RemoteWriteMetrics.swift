import MetricsModel

/// The `prometheus_remote_storage_*` families, labelled `remote_name` and `url` as Prometheus
/// labels them; one set shared by every queue.
package final class RemoteWriteMetrics: Sendable {
    static let labels = ["remote_name", "url"]

    let samples = Counter("prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.", labels: labels)
    let samplesFailed = Counter(
        "prometheus_remote_storage_samples_failed_total", "Total number of samples which failed on send to remote storage, non-recoverable errors.",
        labels: labels)
    let samplesRetried = Counter(
        "prometheus_remote_storage_samples_retried_total", "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.",
        labels: labels)
    let samplesDropped = Counter(
        "prometheus_remote_storage_samples_dropped_total",
        "Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling, for being older than sample_age_limit or the WAL hold limit, or because of an unknown reference ID.",
        labels: labels)
    let bytes = Counter(
        "prometheus_remote_storage_bytes_total", "The total number of bytes of data (not metadata) sent by the queue after compression.", labels: labels)
    let metadata = Counter("prometheus_remote_storage_metadata_total", "Total number of metadata entries sent to remote storage.", labels: labels)
    let metadataFailed = Counter(
        "prometheus_remote_storage_metadata_failed_total", "Total number of metadata entries which failed on send to remote storage, non-recoverable errors.",
        labels: labels)
    let metadataRetried = Counter(
        "prometheus_remote_storage_metadata_retried_total", "Total number of metadata entries which failed on send to remote storage but were retried because the send error was recoverable.",
        labels: labels)
    let metadataBytes = Counter(
        "prometheus_remote_storage_metadata_bytes_total", "The total number of bytes of metadata sent by the queue after compression.", labels: labels)
    /// Prometheus's buckets for this histogram: its defaults and four longer ones.
    let batchDuration = Histogram(
        "prometheus_remote_storage_sent_batch_duration_seconds", "Duration of send calls to the remote storage.", labels: labels,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300])
    let segmentsSkipped = Counter(
        "metricsd_remote_storage_wal_segments_skipped_total",
        "WAL segments a queue found deleted before it read them (past the WAL hold limits while metricsd was down, or cut by a WAL repair).",
        labels: labels)

    package init() {}

    /// Every counter family, then the histogram.
    func write(to text: inout MetricsText) {
        for counter in [samples, samplesFailed, samplesRetried, samplesDropped, bytes, metadata, metadataFailed, metadataRetried, metadataBytes, segmentsSkipped] {
            counter.write(to: &text)
        }
        batchDuration.write(to: &text)
    }
}
