import MetricsModel
import Synchronization

/// `prometheus_http_requests_total{handler, code}` and `prometheus_http_request_duration_seconds{handler}`:
/// requests the server answered, by route pattern.
final class HTTPRequestCounter: Sendable {
    private let counts = Mutex([HandlerCode: UInt64]())
    /// Prometheus's buckets (0.1 s to 2 min) with four finer ones below, where metricsd's answers fall.
    let durations = Histogram(
        "prometheus_http_request_duration_seconds", "Histogram of latencies for HTTP requests.", labels: ["handler"],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120])
    /// Connections closed for not sending a whole request within `--web.read-timeout` (`HTTPGuard`).
    let readTimeouts = Atomic<UInt64>(0)
    /// Requests the HTTP parser refused (an unknown method, headers over the limit, bad framing).
    let malformedRequests = Atomic<UInt64>(0)

    struct HandlerCode: Hashable {
        let handler: String
        let code: Int
    }

    func record(handler: String, code: Int, seconds: Double) {
        counts.withLock { $0[HandlerCode(handler: handler, code: code), default: 0] += 1 }
        durations.observe(seconds, handler)
    }

    /// Appends both families in Prometheus text format.
    func write(to text: inout MetricsText) {
        let sorted = counts.withLock { $0 }.sorted { ($0.key.handler, $0.key.code) < ($1.key.handler, $1.key.code) }
        if !sorted.isEmpty {
            text.header("prometheus_http_requests_total", "counter", "Counter of HTTP requests.")
            for (key, value) in sorted {
                text.sample("prometheus_http_requests_total", ["code", "handler"], [String(key.code), key.handler], Double(value))
            }
        }
        durations.write(to: &text)
        text.single("metricsd_http_read_timeouts_total", "counter", "Connections closed for not sending a whole request within --web.read-timeout.",
                    Double(readTimeouts.load(ordering: .relaxed)))
        text.single("metricsd_http_malformed_requests_total", "counter", "Requests the HTTP parser refused (unknown method, headers over 1 MiB, bad framing).",
                    Double(malformedRequests.load(ordering: .relaxed)))
    }
}
