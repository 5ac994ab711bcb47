import MetricsModel

/// The text formats a target may expose.
package enum ExpositionFormat: String, Sendable {
    /// Prometheus text format 0.0.4.
    case prometheusText = "prometheus-text-0.0.4"
    /// OpenMetrics 1.0 text.
    case openMetrics = "openmetrics-text-1.0.0"

    /// Picks the format from a `Content-Type` header; anything not OpenMetrics is read as Prometheus text,
    /// as Prometheus does.
    package init(contentType: String?) {
        if let contentType, contentType.lowercased().hasPrefix("application/openmetrics-text") {
            self = .openMetrics
        } else {
            self = .prometheusText
        }
    }
}

extension MetricType {
    /// Whether an OpenMetrics family of this type may carry `_created` series.
    var carriesCreated: Bool { self == .counter || self == .summary || self == .histogram }
}

/// What `TextParser.next()` found.
package enum ExpositionEntry: Sendable, Equatable {
    case help, type, unit, comment, series
}

/// One exemplar attached to a sample (OpenMetrics only).
package struct Exemplar: Sendable, Equatable {
    package var labels: [Label]
    package var value: Double
    /// Milliseconds, when the exposition gave one.
    package var timestamp: Int64?
}

import MetricsModel

/// A malformed exposition, located by line and column (both 1-based, column in bytes).
package struct ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    package let line: Int
    package let column: Int
    package let message: String

    package var description: String { "line \(line), column \(column): \(message)" }
}
