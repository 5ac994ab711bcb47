import MetricsModel
import Synchronization

/// The remote read families with Prometheus 2.42's names and labels.
final class RemoteReadMetrics: Sendable {
    static let labels = ["remote_name", "url"]

    let queries = Counter("prometheus_remote_storage_read_queries_total", "The total number of remote read queries.", labels: labels + ["code"])
    /// Prometheus's buckets: its defaults and two longer ones.
    let duration = Histogram(
        "prometheus_remote_storage_read_request_duration_seconds", "Histogram of the latency for remote read requests.", labels: labels,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60])
    private let inFlight = Mutex<[[String]: Int]>([:])

    /// Counts a read as in flight while `body` runs.
    func tracking<T>(_ labelValues: [String], _ body: () throws -> T) rethrows -> T {
        inFlight.withLock { $0[labelValues, default: 0] += 1 }
        defer { inFlight.withLock { $0[labelValues, default: 1] -= 1 } }
        return try body()
    }

    /// Makes sure an endpoint's in-flight gauge is shown from the start.
    func register(_ labelValues: [String]) {
        inFlight.withLock { if $0[labelValues] == nil { $0[labelValues] = 0 } }
    }

    func write(to text: inout MetricsText) {
        let gauges = inFlight.withLock { $0 }
        guard !gauges.isEmpty else { return }
        text.header("prometheus_remote_storage_remote_read_queries", "gauge", "The number of in-flight remote read queries.")
        for (labelValues, value) in gauges.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            text.sample("prometheus_remote_storage_remote_read_queries", Self.labels, labelValues, Double(value))
        }
        queries.write(to: &text)
        duration.write(to: &text)
    }
}
