import RuleFiles

/// A rule group as the API shows it: its rules, their health and their alerts.
package struct RuleGroupStatus: Sendable {
    package var name: String
    package var file: String
    /// ms.
    package var interval: Int64
    package var limit: Int
    /// Wall-clock ms of the last evaluation's start; 0 before the first.
    package var lastEvaluation: Int64
    package var evaluationSeconds: Double
    package var rules: [RuleStatus]
}

/// One rule of a group, as the API shows it.
package struct RuleStatus: Sendable {
    package var spec: RuleSpec
    package var health: RuleHealth
    /// For alerting rules: the most advanced state of its alerts.
    package var state: Alert.State
    package var alerts: [Alert]
}
