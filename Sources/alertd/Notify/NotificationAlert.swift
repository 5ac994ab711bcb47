import Foundation
import MetricsModel
import QueryAPI

/// An alert as Alertmanager's API v2 receives it (`POST /api/v2/alerts`).
package struct NotificationAlert: Sendable, Equatable {
    package var labels: Labels
    package var annotations: [String: String]
    /// When it fired (ms).
    package var startsAt: Int64
    /// When it resolved, or until when it stays firing without another notification (ms).
    package var endsAt: Int64?
    package var generatorURL: String

    package init(labels: Labels, annotations: [String: String], startsAt: Int64, endsAt: Int64?, generatorURL: String) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }

    /// A rule's alert as Prometheus's rule manager hands it to the notifier: it starts when it
    /// fired and ends when it resolved or, while firing, when its validity runs out.
    package init(_ alert: Alert, expr: String, externalURL: String) {
        self.init(
            labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.activeAt,
            endsAt: alert.resolvedAt ?? alert.validUntil, generatorURL: Self.generatorURL(expr: expr, externalURL: externalURL))
    }

    /// The link back to the expression in a graph's table view, as Prometheus builds it.
    static func generatorURL(expr: String, externalURL: String) -> String {
        let base = externalURL.hasSuffix("/") ? String(externalURL.dropLast()) : externalURL
        return base + "/graph?g0.expr=" + PercentEncoding.encode(expr).replacingOccurrences(of: "%20", with: "+") + "&g0.tab=1"
    }

    /// The JSON object Alertmanager's API v2 reads.
    var json: [String: Any] {
        var object: [String: Any] = [
            "labels": labels.dictionary, "annotations": annotations,
            "startsAt": RFC3339.string(milliseconds: startsAt), "generatorURL": generatorURL,
        ]
        if let endsAt { object["endsAt"] = RFC3339.string(milliseconds: endsAt) }
        return object
    }

    /// A batch as the request body.
    static func body(_ alerts: [NotificationAlert]) -> Data {
        (try? JSONSerialization.data(withJSONObject: alerts.map(\.json), options: [.sortedKeys])) ?? Data("[]".utf8)
    }
}
