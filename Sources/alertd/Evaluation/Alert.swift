import MetricsModel

/// One alert of an alerting rule: a label set the rule's expression returned, and where it stands.
package struct Alert: Sendable, Equatable {
    package enum State: String, Sendable, Comparable {
        case inactive, pending, firing

        private var rank: Int {
            switch self {
            case .inactive: 0
            case .pending: 1
            case .firing: 2
            }
        }

        package static func < (lhs: State, rhs: State) -> Bool { lhs.rank < rhs.rank }
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
    /// When it was last handed to the notifier, and until when Alertmanager should consider it
    /// firing without hearing of it again.
    package var lastSentAt: Int64?
    package var validUntil: Int64?

    /// Prometheus's rule: pending alerts are never sent; a resolution not yet sent is; others go
    /// again once `resendDelay` (ms) has passed since the last send.
    package func needsSending(at time: Int64, resendDelay: Int64) -> Bool {
        if state == .pending { return false }
        guard let lastSentAt else { return true }
        if let resolvedAt, resolvedAt > lastSentAt { return true }
        return lastSentAt + resendDelay < time
    }
}
