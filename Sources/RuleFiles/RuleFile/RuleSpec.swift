import MetricsModel
import PromQL

/// A rule file as Prometheus reads it: groups of recording and alerting rules.
package struct RuleFile: Sendable {
    package var path: String
    package var groups: [RuleGroupSpec]

    /// Rules in all groups.
    package var ruleCount: Int { groups.reduce(0) { $0 + $1.rules.count } }
}

/// One `groups:` entry.
package struct RuleGroupSpec: Sendable {
    package var name: String
    /// `interval`, in ms; nil takes the global `evaluation_interval`.
    package var interval: Int64?
    /// `query_offset`, in ms; nil takes the global one.
    package var queryOffset: Int64?
    /// `limit`: at most this many series per rule (0: no limit).
    package var limit = 0
    /// `labels`: added to every rule's output, the rule's own labels winning.
    package var labels: [String: String] = [:]
    package var rules: [RuleSpec] = []
}

/// One recording or alerting rule, its expression parsed and its templates checked.
package struct RuleSpec: Sendable {
    package enum Kind: Sendable, Equatable {
        case recording
        case alerting
    }

    package var kind: Kind
    /// The `record` metric name or the `alert` name.
    package var name: String
    package var exprText: String
    package var expr: Expr
    /// `for`, in ms (alerting rules).
    package var holdDuration: Int64 = 0
    /// `keep_firing_for`, in ms (alerting rules).
    package var keepFiringFor: Int64 = 0
    package var labels: [String: String] = [:]
    package var annotations: [String: String] = [:]
    /// The file's line of the rule, for messages.
    package var line: Int
}
