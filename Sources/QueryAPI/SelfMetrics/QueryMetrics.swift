import MetricsModel

/// The query engine's own metrics, under Prometheus's names.
final class QueryMetrics: Sendable {
    /// Prometheus's slices: `queue_time` waiting for a slot, `prepare_time` parsing and checking the
    /// request, `inner_eval` evaluating (selecting and computing: our engine does both in one pass),
    /// `result_sort` is not reported: the engine returns series in order, so there is no sort to time.
    let duration = Summary(
        "prometheus_engine_query_duration_seconds", "Query timings", labels: ["slice"], quantiles: [0.5, 0.9, 0.99])
    let samples = Counter("prometheus_engine_query_samples_total", "The total number of samples loaded by all queries.")
    let failures = Counter("metricsd_engine_query_failures_total", "Queries that failed, by reason (timeout, canceled, execution, bad_data).",
                           labels: ["reason"])

    init() {
        for slice in ["queue_time", "prepare_time", "inner_eval"] { duration.initialize(slice) }
    }

    func write(to text: inout MetricsText) {
        duration.write(to: &text)
        samples.write(to: &text)
        failures.write(to: &text)
    }
}
