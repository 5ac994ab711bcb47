import Foundation
import MetricsModel
import PromQL
import PromQLTesting
import RuleFiles
import Yams
import alertd

/// Runs one promtool rule unit-test file: input series into an in-memory store, the rule groups
/// evaluated every `evaluation_interval` from 0 to the last `eval_time`, then the alert and
/// expression checks, reported as promtool reports them.
struct RuleUnitTestRunner {
    let path: String
    /// Only test groups whose name matches one of these (promtool's `--run`).
    var only: [RE2Regex] = []
    var ignoreUnknownFields = false

    /// The failures of the file; empty when it passes.
    func run() -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return ["\(path): cannot read: \(error.localizedDescription)"]
        }
        let file: RuleTestFile
        do {
            file = try YAMLDecoder().decode(RuleTestFile.self, from: text)
        } catch {
            return ["\(error)"]
        }
        guard let evaluationInterval = Self.duration(file.evaluationInterval ?? "1m") else {
            return ["invalid evaluation_interval \"\(file.evaluationInterval ?? "")\""]
        }
        var specs: [RuleGroupSpec] = []
        let directory = (path as NSString).deletingLastPathComponent
        for ruleFile in file.ruleFiles {
            let resolved = ruleFile.hasPrefix("/") || directory.isEmpty ? ruleFile : directory + "/" + ruleFile
            let (loaded, errors) = RuleFile.load(path: resolved, ignoreUnknownFields: ignoreUnknownFields)
            guard let loaded else { return errors.map(\.description) }
            specs += loaded.groups
        }
        if !file.groupEvalOrder.isEmpty {
            let order = Dictionary(file.groupEvalOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            specs.sort { (order[$0.name] ?? Int.max) < (order[$1.name] ?? Int.max) }
        }
        var failures: [String] = []
        for group in file.tests {
            if !only.isEmpty, !only.contains(where: { $0.firstMatch(in: Array((group.name ?? "").utf8), from: 0) != nil }) { continue }
            failures += run(group, specs: specs, evaluationInterval: evaluationInterval, fuzzy: file.fuzzyCompare)
        }
        return failures
    }

    func run(_ test: RuleTestFile.TestGroup, specs: [RuleGroupSpec], evaluationInterval: Int64, fuzzy: Bool) -> [String] {
        let heading = test.name.map { "    name: \($0),\n" } ?? ""
        let interval = test.interval.flatMap(Self.duration) ?? evaluationInterval
        let storage = MemoryStorage()
        for input in test.inputSeries {
            do {
                let (labels, items) = try SeriesDescription.parse(input.series + " " + input.values)
                var samples: [Sample] = []
                var histograms: [HistogramSample] = []
                for (index, item) in items.enumerated() {
                    let time = Int64(index) * interval
                    switch item {
                    case .value(let value): samples.append(Sample(timestamp: time, value: value))
                    case .omitted: continue
                    case .histogram(let literal): histograms.append(HistogramSample(timestamp: time, histogram: literal.histogram))
                    }
                }
                if !samples.isEmpty { storage.add(labels, samples) }
                if !histograms.isEmpty { storage.add(labels, histograms) }
            } catch {
                return ["\(error)"]
            }
        }
        var groups: [RuleGroupRun] = []
        for spec in specs {
            do {
                groups.append(try RuleGroupRun(spec))
            } catch {
                return ["\(error)"]
            }
        }
        let alertTimes = test.alertRuleTests.compactMap { Self.duration($0.evalTime) }
        let exprTimes = test.promqlExprTests.compactMap { Self.duration($0.evalTime) }
        let maxTime = (alertTimes + exprTimes).max() ?? 0
        let engine = Engine()
        var failures: [String] = []
        var time: Int64 = 0
        while time <= maxTime {
            var evaluationFailures: [String] = []
            for index in groups.indices {
                let failed = groups[index].evaluate(
                    at: time, engine: engine, storage: storage, externalLabels: test.externalLabels, externalURL: test.externalURL ?? "",
                    writeHistograms: { samples in for (labels, sample) in samples { storage.add(labels, [sample]) } }
                ) { samples in
                    for (labels, sample) in samples { storage.add(labels, [sample]) }
                }
                evaluationFailures += failed.map { "    rule: \($0.rule), time: \(Self.format(time)), err: \($0.message)" }
            }
            if !evaluationFailures.isEmpty { return failures + evaluationFailures }
            for check in test.alertRuleTests {
                guard let at = Self.duration(check.evalTime), time <= at, at < time + evaluationInterval else { continue }
                var got: [(labels: Labels, annotations: [String: String])] = []
                for group in groups {
                    for rule in group.alertingRules.values where rule.spec.name == check.alertname {
                        for alert in rule.active.values where alert.state == .firing { got.append((alert.labels, alert.annotations)) }
                    }
                }
                let expected: [(labels: Labels, annotations: [String: String])] = check.expAlerts.map {
                    (Labels($0.expLabels.merging(["alertname": check.alertname]) { _, name in name }), $0.expAnnotations)
                }
                let gotText = Self.describe(got)
                let expectedText = Self.describe(expected)
                if gotText != expectedText {
                    failures.append("\(heading)    alertname: \(check.alertname), time: \(Self.format(at)), \n        exp:\(expectedText), \n        got:\(gotText)")
                }
            }
            time += evaluationInterval
        }
        for check in test.promqlExprTests {
            let at = Self.duration(check.evalTime) ?? 0
            do {
                let value = try engine.instant(try Parser.parse(check.expr), at: at, on: storage)
                let got: [(Labels, VectorElement)] = switch value {
                case .vector(_, let samples): samples.map { ($0.0, .float($0.1)) }
                case .mixedVector(_, let elements): elements
                case .scalar(_, let value): [(Labels.empty, .float(value))]
                default: []
                }
                var expected: [(Labels, Expected)] = []
                for sample in check.expSamples {
                    let text = sample.labels.trimmingCharacters(in: .whitespaces)
                    let labels = text.isEmpty || text == "{}" ? Labels.empty : try SeriesDescription.parse(text).0
                    expected.append((labels, try Expected(sample)))
                }
                let (gotSorted, expectedSorted) = (got.sorted { $0.0 < $1.0 }, expected.sorted { $0.0 < $1.0 })
                let same = gotSorted.count == expectedSorted.count && zip(gotSorted, expectedSorted).allSatisfy { pair in
                    pair.0.0 == pair.1.0 && pair.1.1.matches(pair.0.1, fuzzy: fuzzy)
                }
                if !same {
                    failures.append("\(heading)    expr: \"\(check.expr)\", time: \(Self.format(at)),\n        exp: \(Self.describe(expectedSorted.map { ($0.0, $0.1.text) }))\n        got: \(Self.describe(gotSorted.map { ($0.0, Expected.text($0.1)) }))")
                }
            } catch {
                failures.append("    expr: \"\(check.expr)\", time: \(Self.format(at)), err: \(error)")
            }
        }
        return failures
    }

    static func duration(_ text: String) -> Int64? {
        PromDuration(parsing: text)?.milliseconds ?? Int64(text).map { $0 * 1000 }
    }

    static func format(_ milliseconds: Int64) -> String {
        milliseconds == 0 ? "0s" : PromDuration(milliseconds: milliseconds).description
    }

    /// Values equal, or (with `fuzzy_compare`) within a relative 1e-16 of their sum, as promtool's
    /// fuzzy comparison lets one-ulp differences through; NaN equals NaN.
    static func equal(_ a: Double, _ b: Double, fuzzy: Bool) -> Bool {
        if a == b || (a.isNaN && b.isNaN) { return true }
        guard fuzzy else { return false }
        return abs(a - b) / (abs(a) + abs(b)) < 1e-16
    }

    /// Alerts as promtool prints them: `[\n 0:\n Labels:{…}\n Annotations:{…}\n ]`, sorted.
    static func describe(_ alerts: [(labels: Labels, annotations: [String: String])]) -> String {
        let sorted = alerts.sorted { ($0.labels, Labels($0.annotations)) < ($1.labels, Labels($1.annotations)) }
        guard !sorted.isEmpty else { return "[]" }
        var text = "["
        for (index, alert) in sorted.enumerated() {
            text += "\n            \(index):\n              Labels:\(braces(alert.labels))\n              Annotations:\(braces(Labels(alert.annotations)))"
        }
        return text + "\n            ]"
    }

    static func describe(_ samples: [(Labels, String)]) -> String {
        samples.map { "\(braces($0.0)) \($0.1)" }.joined(separator: ",\n              ")
    }

    /// An expected sample: a value, or a histogram literal (`histogram: '{{…}}'`), compared as the
    /// PromQL test scripts compare them.
    enum Expected {
        case value(Double)
        case histogram(HistogramLiteral)

        init(_ sample: RuleTestFile.ExpectedSample) throws {
            guard let text = sample.histogram else {
                self = .value(sample.value)
                return
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.count >= 4 else {
                throw EvaluationError("histogram \"\(text)\" is not a {{…}} literal")
            }
            self = .histogram(try HistogramLiteral.parse(trimmed.dropFirst(2).dropLast(2)))
        }

        func matches(_ got: VectorElement, fuzzy: Bool) -> Bool {
            switch (self, got) {
            case (.value(let want), .float(let have)): RuleUnitTestRunner.equal(have, want, fuzzy: fuzzy)
            case (.histogram(let want), .histogram(let have)): PromQLTestRunner.histogramDifference(want, have) == nil
            default: false
            }
        }

        var text: String {
            switch self {
            case .value(let value): GoFloat.formatE(value).uppercased()
            case .histogram(let literal): literal.histogram.testExpression
            }
        }

        static func text(_ element: VectorElement) -> String {
            switch element {
            case .float(let value): GoFloat.formatE(value).uppercased()
            case .histogram(let histogram): histogram.testExpression
            }
        }
    }

    static func braces(_ labels: Labels) -> String {
        "{" + labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }
}
