import MetricsModel
import Synchronization

/// `prometheus_http_requests_total{handler, code}`: requests the server answered, by route pattern.
final class HTTPRequestCounter: Sendable {
    private let counts = Mutex([HandlerCode: UInt64]())

    struct HandlerCode: Hashable {
        let handler: String
        let code: Int
    }

    func record(handler: String, code: Int) {
        counts.withLock { $0[HandlerCode(handler: handler, code: code), default: 0] += 1 }
    }

    /// `(labels, value)` pairs in label order, for the exposition.
    var samples: [(String, Double)] {
        counts.withLock { counts in
            counts.sorted { ($0.key.handler, $0.key.code) < ($1.key.handler, $1.key.code) }.map { key, value in
                ("{code=\"\(key.code)\",handler=\(quoteLabelValue(key.handler))}", Double(value))
            }
        }
    }
}
