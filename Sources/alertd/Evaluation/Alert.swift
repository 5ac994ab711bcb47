import MetricsModel

/// One alert of an alerting rule: a label set the rule's expression returned, and where it stands.
package struct Alert: Sendable, Equatable {
    package enum State: String, Sendable {
        case inactive, pending, firing
    }

    package var state: State
    /// The alert's labels: the series' labels without its name, the rule's labels, `alertname`.
    package var labels: Labels
    package var annotations: [String: String]
    package var value: Double
    /// Times in ms.
    package var activeAt: Int64
    package var firedAt: Int64?
    package var resolvedAt: Int64?
    /// When the expression last stopped returning it while it was firing, for `keep_firing_for`.
    package var keepFiringSince: Int64?
}
