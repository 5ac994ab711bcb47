import MetricsModel
import PromQL

/// A rule that failed one evaluation: its index in the group and why. Prometheus counts these
/// (`prometheus_rule_evaluation_failures_total`) and carries on with the next rule.
package struct RuleEvaluationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package var rule: String
    package var message: String
    package var description: String { "rule \"\(rule)\": \(message)" }
}

/// One rule group evaluated step by step: each rule in order, its output written before the next
/// rule runs (so later rules see it), stale markers for series a rule stopped producing.
package struct RuleGroupRun: Sendable {
    package let spec: RuleGroupSpec
    package private(set) var alertingRules: [Int: AlertingRule] = [:]
    /// The series each rule wrote at its previous evaluation.
    private var previous: [Int: Set<Labels>] = [:]

    package init(_ spec: RuleGroupSpec) throws(TemplateError) {
        self.spec = spec
        for (index, rule) in spec.rules.enumerated() where rule.kind == .alerting {
            alertingRules[index] = try AlertingRule(rule, groupLabels: spec.labels)
        }
    }

    /// Evaluates every rule at `time` (ms), querying `storage` at `time - queryOffset` and handing
    /// each rule's samples to `write` before the next rule runs. Returns the rules that failed.
    package mutating func evaluate(
        at time: Int64, queryOffset: Int64 = 0, engine: Engine, storage: some Queryable, externalLabels: [String: String] = [:],
        externalURL: String = "", write: ([(Labels, Sample)]) throws -> Void
    ) -> [RuleEvaluationFailure] {
        var failures: [RuleEvaluationFailure] = []
        let at = time - queryOffset
        for (index, rule) in spec.rules.enumerated() {
            do {
                let vector = try Self.vector(try engine.instant(rule.expr, at: at, on: storage))
                var output: [(Labels, Sample)]
                if var alerting = alertingRules[index] {
                    let query: @Sendable (String) throws -> [TemplateSample] = { [storage] text in
                        let value = try engine.instant(try Parser.parse(text), at: at, on: storage)
                        return try Self.vector(value).map { TemplateSample(labels: $0.0.dictionary, value: $0.1) }
                    }
                    output = alerting.step(vector, at: at, externalLabels: externalLabels, externalURL: externalURL, query: query)
                    alertingRules[index] = alerting
                } else {
                    output = try record(rule, vector, at: at)
                }
                if spec.limit > 0 && output.count > spec.limit {
                    throw RuleEvaluationFailure(rule: rule.name, message: "exceeded limit of \(spec.limit) with \(output.count) series")
                }
                let written = Set(output.map(\.0))
                for gone in previous[index, default: []].subtracting(written).sorted() {
                    output.append((gone, Sample(timestamp: at, value: StaleMarker.value)))
                }
                previous[index] = written
                try write(output)
            } catch let failure as RuleEvaluationFailure {
                failures.append(failure)
            } catch {
                failures.append(RuleEvaluationFailure(rule: rule.name, message: "\(error)"))
            }
        }
        return failures
    }

    /// A recording rule's samples: the result renamed, the group's and the rule's labels set.
    func record(_ rule: RuleSpec, _ vector: [(Labels, Double)], at time: Int64) throws -> [(Labels, Sample)] {
        let labels = spec.labels.merging(rule.labels) { _, own in own }
        var seen = Set<Labels>()
        var out: [(Labels, Sample)] = []
        for (series, value) in vector {
            var builder = LabelsBuilder(series)
            builder.set(LabelNames.metricName, rule.name)
            for (name, value) in labels {
                if value.isEmpty { builder.delete(name) } else { builder.set(name, value) }
            }
            let result = builder.labels()
            guard seen.insert(result).inserted else {
                throw RuleEvaluationFailure(rule: rule.name, message: "vector contains metrics with the same labelset after applying rule labels")
            }
            out.append((result, Sample(timestamp: time, value: value)))
        }
        return out
    }

    /// An instant query's result as a vector: a scalar becomes one series without labels.
    static func vector(_ value: QueryValue) throws -> [(Labels, Double)] {
        switch value {
        case .vector(_, let samples): return samples
        case .scalar(_, let value): return [(Labels.empty, value)]
        default: throw RuleEvaluationFailure(rule: "", message: "rule result is not a vector or scalar")
        }
    }
}
