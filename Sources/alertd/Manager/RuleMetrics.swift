import MetricsModel
import Synchronization

/// Rule evaluation's self-metrics under Prometheus's names, per group (`rule_group="<file>;<name>"`).
package final class RuleMetrics: Sendable {
    struct Group {
        var interval = 0.0
        var rules = 0
        var evaluations = 0.0
        var failures = 0.0
        var iterations = 0.0
        var missed = 0.0
        var lastDuration = 0.0
        var lastEvaluation = 0.0
        var lastSamples = 0.0
    }

    private struct State {
        var groups: [String: Group] = [:]
        var evaluationSeconds = (sum: 0.0, count: 0.0)
        var groupSeconds = (sum: 0.0, count: 0.0)
    }

    private let state = Mutex(State())

    package init() {}

    func register(_ key: String, interval: Int64, rules: Int) {
        state.withLock { state in
            state.groups[key, default: Group()].interval = Double(interval) / 1000
            state.groups[key]!.rules = rules
        }
    }

    func remove(_ key: String) {
        state.withLock { _ = $0.groups.removeValue(forKey: key) }
    }

    func missed(_ key: String, _ count: Int64) {
        state.withLock { state in
            state.groups[key]?.missed += Double(count)
            state.groups[key]?.iterations += Double(count)
        }
    }

    /// One finished iteration of a group.
    func iteration(_ key: String, rules: Int, failures: Int, seconds: Double, ruleSeconds: [Double], evaluatedAt: Int64, samples: Int) {
        state.withLock { state in
            guard var group = state.groups[key] else { return }
            group.iterations += 1
            group.evaluations += Double(rules)
            group.failures += Double(failures)
            group.lastDuration = seconds
            group.lastEvaluation = Double(evaluatedAt) / 1000
            group.lastSamples = Double(samples)
            state.groups[key] = group
            state.groupSeconds.sum += seconds
            state.groupSeconds.count += 1
            state.evaluationSeconds.sum += ruleSeconds.reduce(0, +)
            state.evaluationSeconds.count += Double(ruleSeconds.count)
        }
    }

    /// The metrics in Prometheus text format.
    package func render() -> String {
        let state = state.withLock { $0 }
        let keys = state.groups.keys.sorted()
        var out = ""
        func summary(_ name: String, _ help: String, _ value: (sum: Double, count: Double)) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) summary\n"
            out += "\(name)_sum \(GoFloat.formatG(value.sum))\n\(name)_count \(GoFloat.formatG(value.count))\n"
        }
        func family(_ name: String, _ type: String, _ help: String, _ value: (Group) -> Double) {
            guard !keys.isEmpty else { return }
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for key in keys {
                out += "\(name){rule_group=\(goQuote(key))} \(GoFloat.formatG(value(state.groups[key]!)))\n"
            }
        }
        summary("prometheus_rule_evaluation_duration_seconds", "The duration for a rule to execute.", state.evaluationSeconds)
        summary("prometheus_rule_group_duration_seconds", "The duration of rule group evaluations.", state.groupSeconds)
        family("prometheus_rule_evaluations_total", "counter", "The total number of rule evaluations.") { $0.evaluations }
        family("prometheus_rule_evaluation_failures_total", "counter", "The total number of rule evaluation failures.") { $0.failures }
        family("prometheus_rule_group_iterations_total", "counter", "The total number of scheduled rule group evaluations, whether executed or missed.") { $0.iterations }
        family("prometheus_rule_group_iterations_missed_total", "counter", "The total number of rule group evaluations missed due to slow rule group evaluation.") { $0.missed }
        family("prometheus_rule_group_interval_seconds", "gauge", "The interval of a rule group.") { $0.interval }
        family("prometheus_rule_group_last_duration_seconds", "gauge", "The duration of the last rule group evaluation.") { $0.lastDuration }
        family("prometheus_rule_group_last_evaluation_timestamp_seconds", "gauge", "The timestamp of the last rule group evaluation in seconds.") { $0.lastEvaluation }
        family("prometheus_rule_group_last_evaluation_samples", "gauge", "The number of samples returned during the last rule group evaluation.") { $0.lastSamples }
        family("prometheus_rule_group_rules", "gauge", "The number of rules.") { Double($0.rules) }
        return out
    }
}
