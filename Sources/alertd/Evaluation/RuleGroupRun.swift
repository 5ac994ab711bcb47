import Foundation
import MetricsModel
import PromQL
import RuleFiles

/// A rule that failed one evaluation: its index in the group and why. Prometheus counts these
/// (`prometheus_rule_evaluation_failures_total`) and carries on with the next rule.
package struct RuleEvaluationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package var rule: String
    package var message: String
    package var description: String { "rule \"\(rule)\": \(message)" }
}

/// How one rule's last evaluation went, as `/api/v1/rules` reports it.
package struct RuleHealth: Sendable, Equatable {
    package enum Status: String, Sendable {
        case unknown, ok, err
    }

    package var status = Status.unknown
    package var lastError = ""
    /// Wall-clock ms of the last evaluation's start; 0 before the first.
    package var lastEvaluation: Int64 = 0
    package var evaluationSeconds = 0.0
}

/// One rule group evaluated step by step: each rule in order, its output written before the next
/// rule runs (so later rules see it), stale markers for series a rule stopped producing.
package struct RuleGroupRun: Sendable {
    package let spec: RuleGroupSpec
    package internal(set) var alertingRules: [Int: AlertingRule] = [:]
    package private(set) var health: [RuleHealth]
    /// Samples the last evaluation wrote (stale markers included).
    package private(set) var lastSampleCount = 0
    /// The series each rule wrote at its previous evaluation.
    private var previous: [Int: Set<Labels>] = [:]

    package init(_ spec: RuleGroupSpec) throws(TemplateError) {
        self.spec = spec
        health = Array(repeating: RuleHealth(), count: spec.rules.count)
        for (index, rule) in spec.rules.enumerated() where rule.kind == .alerting {
            alertingRules[index] = try AlertingRule(rule, groupLabels: spec.labels)
        }
    }

    /// Evaluates every rule at `time` (ms), querying `storage` at `time - queryOffset` and handing
    /// each rule's samples to `write` before the next rule runs. Returns the rules that failed.
    package mutating func evaluate(
        at time: Int64, queryOffset: Int64 = 0, engine: Engine, storage: some Queryable, externalLabels: [String: String] = [:],
        externalURL: String = "", writeHistograms: ([(Labels, HistogramSample)]) throws -> Void = Self.refuseHistograms,
        write: ([(Labels, Sample)]) throws -> Void
    ) -> [RuleEvaluationFailure] {
        evaluate(
            at: time, queryOffset: queryOffset, querier: LocalQuerier(engine: engine, storage: storage), externalLabels: externalLabels,
            externalURL: externalURL, writeHistograms: writeHistograms, write: write)
    }

    /// What a caller that keeps no histograms does with a recording rule's histogram results.
    package static func refuseHistograms(_ samples: [(Labels, HistogramSample)]) throws {
        guard samples.isEmpty else { throw RuleEvaluationFailure(rule: "", message: "rule result holds native histograms, which are not stored here") }
    }

    /// `evaluate` reading through `querier`. A recording rule's histogram results go to
    /// `writeHistograms`, before its floats go to `write`; stale markers are floats, as in Prometheus.
    package mutating func evaluate(
        at time: Int64, queryOffset: Int64 = 0, querier: some RuleQuerier, externalLabels: [String: String] = [:],
        externalURL: String = "", writeHistograms: ([(Labels, HistogramSample)]) throws -> Void = Self.refuseHistograms,
        write: ([(Labels, Sample)]) throws -> Void
    ) -> [RuleEvaluationFailure] {
        var failures: [RuleEvaluationFailure] = []
        let at = time - queryOffset
        lastSampleCount = 0
        let clock = ContinuousClock()
        for (index, rule) in spec.rules.enumerated() {
            let started = clock.now
            health[index].lastEvaluation = Int64(Date().timeIntervalSince1970 * 1000)
            do {
                var (output, histograms) = try evaluate(rule, index: index, at: at, querier: querier, externalLabels: externalLabels, externalURL: externalURL)
                let written = Set(output.map(\.0)).union(histograms.map(\.0))
                for gone in previous[index, default: []].subtracting(written).sorted() {
                    output.append((gone, Sample(timestamp: at, value: StaleMarker.value)))
                }
                previous[index] = written
                if !histograms.isEmpty { try writeHistograms(histograms) }
                try write(output)
                lastSampleCount += output.count + histograms.count
                health[index].status = .ok
                health[index].lastError = ""
            } catch {
                let failure = (error as? RuleEvaluationFailure).map { RuleEvaluationFailure(rule: rule.name, message: $0.message) }
                    ?? RuleEvaluationFailure(rule: rule.name, message: "\(error)")
                failures.append(failure)
                health[index].status = .err
                health[index].lastError = failure.message
            }
            health[index].evaluationSeconds = Self.seconds(clock.now - started)
        }
        return failures
    }

    /// One rule's output at `at`, before stale markers.
    private mutating func evaluate(
        _ rule: RuleSpec, index: Int, at: Int64, querier: some RuleQuerier, externalLabels: [String: String], externalURL: String
    ) throws -> ([(Labels, Sample)], [(Labels, HistogramSample)]) {
        let value = try querier.instant(rule.expr, at: at)
        guard var alerting = alertingRules[index] else {
            let output = try record(rule, Self.elements(value), at: at)
            let count = output.floats.count + output.histograms.count
            if spec.limit > 0 && count > spec.limit {
                throw RuleEvaluationFailure(rule: rule.name, message: "exceeded limit of \(spec.limit) with \(count) series")
            }
            return output
        }
        let vector = try Self.vector(value)
        let query: @Sendable (String) throws -> [TemplateSample] = { [querier] text in
            let value = try querier.instant(try Parser.parse(text), at: at)
            return try Self.vector(value).map { TemplateSample(labels: $0.0.dictionary, value: $0.1) }
        }
        let output = alerting.step(vector, at: at, externalLabels: externalLabels, externalURL: externalURL, query: query)
        let activeCount = alerting.active.values.count(where: { $0.state != .inactive })
        if spec.limit > 0 && activeCount > spec.limit {
            // Prometheus drops every alert of a rule over the limit.
            alerting.active = [:]
            alertingRules[index] = alerting
            throw RuleEvaluationFailure(rule: rule.name, message: "exceeded limit of \(spec.limit) with \(activeCount) alerts")
        }
        alertingRules[index] = alerting
        return (output, [])
    }

    /// A recording rule's samples: the result renamed, the group's and the rule's labels set.
    func record(_ rule: RuleSpec, _ vector: [(Labels, Double)], at time: Int64) throws -> [(Labels, Sample)] {
        try record(rule, vector.map { ($0.0, VectorElement.float($0.1)) }, at: time).floats
    }

    /// `record` for a result that may hold native histograms.
    func record(_ rule: RuleSpec, _ vector: [(Labels, VectorElement)], at time: Int64) throws -> (floats: [(Labels, Sample)], histograms: [(Labels, HistogramSample)]) {
        let labels = spec.labels.merging(rule.labels) { _, own in own }
        var seen = Set<Labels>()
        var out: [(Labels, Sample)] = []
        var histograms: [(Labels, HistogramSample)] = []
        for (series, element) in vector {
            var builder = LabelsBuilder(series)
            builder.set(LabelNames.metricName, rule.name)
            for (name, value) in labels {
                if value.isEmpty { builder.delete(name) } else { builder.set(name, value) }
            }
            let result = builder.labels()
            guard seen.insert(result).inserted else {
                throw RuleEvaluationFailure(rule: rule.name, message: "vector contains metrics with the same labelset after applying rule labels")
            }
            switch element {
            case .float(let value): out.append((result, Sample(timestamp: time, value: value)))
            case .histogram(let histogram): histograms.append((result, HistogramSample(timestamp: time, histogram: histogram)))
            }
        }
        return (out, histograms)
    }

    /// Each alerting rule's alerts due for Alertmanager at `time` (ms), marked sent.
    package mutating func alertsToSend(at time: Int64, resendDelay: Int64, interval: Int64) -> [(rule: RuleSpec, alerts: [Alert])] {
        var out: [(RuleSpec, [Alert])] = []
        for index in alertingRules.keys.sorted() {
            let alerts = alertingRules[index]!.alertsToSend(at: time, resendDelay: resendDelay, interval: interval)
            if !alerts.isEmpty { out.append((alertingRules[index]!.spec, alerts)) }
        }
        return out
    }

    /// Marks every alerting rule as waiting for its `for` state to be restored.
    package mutating func awaitRestore() {
        for index in alertingRules.keys { alertingRules[index]!.restored = false }
    }

    /// Restores every alerting rule's `for` state (see `AlertingRule.restoreForState`).
    package mutating func restoreForState(
        at time: Int64, querier: some RuleQuerier, outageTolerance: Int64, gracePeriod: Int64, externalLabels: [String: String] = [:]
    ) throws {
        for index in alertingRules.keys.sorted() {
            try alertingRules[index]!.restoreForState(
                at: time, querier: querier, outageTolerance: outageTolerance, gracePeriod: gracePeriod, externalLabels: externalLabels)
        }
    }

    /// Takes over what `old` knew of rules this group still has, as Prometheus's `CopyState` does on
    /// a reload: a rule with the same name, kind and labels keeps its alerts, its last series (for
    /// stale markers) and its health.
    package mutating func copyState(from old: RuleGroupRun) {
        var unused = Array(old.spec.rules.indices)
        for (index, rule) in spec.rules.enumerated() {
            guard let position = unused.firstIndex(where: { candidate in
                let other = old.spec.rules[candidate]
                return other.name == rule.name && other.kind == rule.kind && other.labels == rule.labels
            }) else { continue }
            let from = unused.remove(at: position)
            previous[index] = old.previous[from]
            health[index] = old.health[from]
            if let oldRule = old.alertingRules[from], var alerting = alertingRules[index] {
                alerting.active = oldRule.active
                alerting.restored = oldRule.restored
                alertingRules[index] = alerting
            }
        }
    }

    /// Series the group wrote at its last evaluation, for stale markers when it is removed.
    package var lastSeries: [Labels] {
        previous.keys.sorted().flatMap { previous[$0]!.sorted() }
    }

    /// An instant query's result as a vector: a scalar becomes one series without labels.
    static func vector(_ value: QueryValue) throws -> [(Labels, Double)] {
        switch value {
        case .vector(_, let samples): return samples
        case .scalar(_, let value): return [(Labels.empty, value)]
        case .mixedVector:
            throw RuleEvaluationFailure(rule: "", message: "alerting rule result holds native histograms; alerts need float values")
        default: throw RuleEvaluationFailure(rule: "", message: "rule result is not a vector or scalar")
        }
    }

    /// An instant query's result as a vector whose elements may be histograms.
    static func elements(_ value: QueryValue) throws -> [(Labels, VectorElement)] {
        if case .mixedVector(_, let elements) = value { return elements }
        return try vector(value).map { ($0.0, .float($0.1)) }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
