/// Rule evaluation as the API reads it: groups with their rules' health and alerts, and where
/// alerts are sent. Declared here, by its consumer, as `TargetRetriever` is, so QueryAPI does not
/// depend on alertd; metricsd adapts the rule manager and the notifier to it.
package protocol RuleRetriever: Sendable {
    func ruleGroups() -> [RuleGroupReport]
    /// Alertmanager API URLs in use, and those relabeling dropped.
    func alertmanagers() -> (active: [String], dropped: [String])
}

/// One rule group as `/api/v1/rules` lists it.
package struct RuleGroupReport: Sendable {
    package var name: String
    package var file: String
    /// Seconds.
    package var interval: Double
    package var limit: Int
    package var evaluationTime: Double
    /// ms since the epoch; 0 before the first evaluation.
    package var lastEvaluation: Int64
    package var rules: [RuleReport]

    package init(name: String, file: String, interval: Double, limit: Int, evaluationTime: Double, lastEvaluation: Int64, rules: [RuleReport]) {
        self.name = name
        self.file = file
        self.interval = interval
        self.limit = limit
        self.evaluationTime = evaluationTime
        self.lastEvaluation = lastEvaluation
        self.rules = rules
    }
}

/// One rule of a group.
package struct RuleReport: Sendable {
    package enum Kind: Sendable { case recording, alerting }

    package var kind: Kind
    package var name: String
    package var query: String
    package var labels: [String: String]
    /// "ok", "err" or "unknown".
    package var health: String
    package var lastError: String
    package var evaluationTime: Double
    package var lastEvaluation: Int64
    /// Alerting rules only: "inactive", "pending" or "firing", `for` and `keep_firing_for` in seconds.
    package var state = "inactive"
    package var duration = 0.0
    package var keepFiringFor = 0.0
    package var annotations: [String: String] = [:]
    package var alerts: [AlertReport] = []

    package init(
        kind: Kind, name: String, query: String, labels: [String: String], health: String, lastError: String, evaluationTime: Double,
        lastEvaluation: Int64
    ) {
        self.kind = kind
        self.name = name
        self.query = query
        self.labels = labels
        self.health = health
        self.lastError = lastError
        self.evaluationTime = evaluationTime
        self.lastEvaluation = lastEvaluation
    }
}

/// A pending or firing alert.
package struct AlertReport: Sendable {
    package var labels: [String: String]
    package var annotations: [String: String]
    package var state: String
    /// ms since the epoch.
    package var activeAt: Int64
    package var keepFiringSince: Int64?
    package var value: Double

    package init(labels: [String: String], annotations: [String: String], state: String, activeAt: Int64, keepFiringSince: Int64?, value: Double) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeAt = activeAt
        self.keepFiringSince = keepFiringSince
        self.value = value
    }
}

/// A server without rules.
struct NoRules: RuleRetriever {
    func ruleGroups() -> [RuleGroupReport] { [] }
    func alertmanagers() -> (active: [String], dropped: [String]) { ([], []) }
}
