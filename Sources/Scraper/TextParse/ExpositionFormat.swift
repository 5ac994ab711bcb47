import MetricsModel

/// The text formats a target may expose.
public enum ExpositionFormat: String, Sendable {
    /// Prometheus text format 0.0.4.
    case prometheusText = "prometheus-text-0.0.4"
    /// OpenMetrics 1.0 text.
    case openMetrics = "openmetrics-text-1.0.0"

    /// Picks the format from a `Content-Type` header; anything not OpenMetrics is read as Prometheus text,
    /// as Prometheus does.
    public init(contentType: String?) {
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
public enum ExpositionEntry: Sendable, Equatable {
    case help, type, unit, comment, series
}

/// One exemplar attached to a sample (OpenMetrics only).
public struct Exemplar: Sendable, Equatable {
    public var labels: [Label]
    public var value: Double
    /// Milliseconds, when the exposition gave one.
    public var timestamp: Int64?
}

import MetricsModel

/// A malformed exposition, located by line and column (both 1-based, column in bytes).
public struct ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}
