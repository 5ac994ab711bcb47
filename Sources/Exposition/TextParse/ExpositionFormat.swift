import MetricsModel

/// The formats a target may expose: the two text formats (read by `TextParser`) and the protobuf
/// one (read by `ProtobufParser`).
package enum ExpositionFormat: String, Sendable {
    /// Prometheus text format 0.0.4.
    case prometheusText = "prometheus-text-0.0.4"
    /// OpenMetrics 1.0 text.
    case openMetrics = "openmetrics-text-1.0.0"
    /// Delimited `io.prometheus.client.MetricFamily` protobuf messages.
    case protobuf = "prometheus-protobuf"

    /// Picks the format from a `Content-Type` header; anything not OpenMetrics or delimited
    /// `MetricFamily` protobuf is read as Prometheus text, as Prometheus does.
    package init(contentType: String?) {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("application/openmetrics-text") {
            self = .openMetrics
        } else if type.hasPrefix("application/vnd.google.protobuf"), type.contains("proto=io.prometheus.client.metricfamily"),
                  type.contains("encoding=delimited") {
            self = .protobuf
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

/// One exemplar attached to a sample (OpenMetrics text, or the protobuf format).
package struct Exemplar: Sendable, Equatable {
    package var labels: [Label]
    package var value: Double
    /// Milliseconds, when the exposition gave one.
    package var timestamp: Int64?
}

import MetricsModel

/// A malformed exposition, located by line and column (both 1-based, column in bytes); a binary
/// (protobuf) one has line 0 and the 1-based byte offset of the message at fault as its column.
package struct ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    package let line: Int
    package let column: Int
    package let message: String

    package var description: String {
        if line > 0 { return "line \(line), column \(column): \(message)" }
        return column > 0 ? "protobuf, byte \(column): \(message)" : message
    }
}
