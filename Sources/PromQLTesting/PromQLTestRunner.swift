import Foundation
import MetricsModel
import PromQL

/// Runs Prometheus's PromQL test scripts (`promqltest` DSL, ../shared/docs/promqltest-dsl.md) against
/// the engine. Every eval passes or fails; a command the runner does not know is skipped and counted.
package struct PromQLTestRunner {
    package struct Outcome: Sendable {
        package var passed = 0
        package var failed = 0
        /// Commands the runner does not know (each with its data lines), left unrun.
        package var skipped = 0
        /// One line per failed eval: where, the query, expected vs got.
        package var failures: [String] = []
        /// One line per skipped command: where, and the command.
        package var skips: [String] = []
        package init() {}
    }

    package var engine = Engine()

    package init() {}

    package func run(file name: String, contents: String) -> Outcome {
        var outcome = Outcome()
        let storage = MemoryStorage()
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("#") ? "" : trimmed
        }
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            if line.isEmpty { continue }
            let word = line.split(separator: " ").first.map { $0.lowercased() } ?? ""
            if word == "clear" {
                // `clear` takes no data lines; the next line is a command.
                storage.clear()
                continue
            }
            var block: [String] = []
            while index < lines.count && !lines[index].isEmpty {
                block.append(lines[index])
                index += 1
            }
            if word.hasPrefix("load") {
                load(line, block, into: storage, nhcb: word.contains("nhcb"))
            } else if word.hasPrefix("eval") {
                let lineNumber = index - block.count
                evaluate(line, block, storage: storage, at: "\(name):\(lineNumber)", into: &outcome)
            } else {
                outcome.skipped += 1
                outcome.skips.append("\(name):\(index - block.count): unknown command \(line)")
            }
        }
        return outcome
    }

    /// Loads a block's samples: floats, histogram literals, start timestamps (`@st` lines) and, in a
    /// `load_with_nhcb` block, each `_bucket` family also as custom-bucket histograms under its base name.
    private func load(_ header: String, _ block: [String], into storage: MemoryStorage, nhcb: Bool) {
        let parts = header.split(separator: " ")
        guard parts.count >= 2, let step = PromDuration(parsing: String(parts[1]))?.milliseconds else { return }
        /// The block's float series, for `load_with_nhcb`.
        var classic: [(Labels, [Sample])] = []
        /// The start-time offsets of an `@st` line, for the sample line that follows it.
        var pendingStarts: [Int64?]?
        for line in block {
            if let offsets = Self.startTimestampLine(line) {
                pendingStarts = offsets
                continue
            }
            let starts = pendingStarts
            pendingStarts = nil
            guard let (labels, items) = try? SeriesDescription.parse(line) else { continue }
            let name = labels.metricName
            var samples: [Sample] = []
            var histogramSamples: [HistogramSample] = []
            var startTimestamps: [Int64: Int64] = [:]
            for (offset, item) in items.enumerated() {
                switch item {
                case .value(let value):
                    let timestamp = Int64(offset) * step
                    samples.append(Sample(timestamp: timestamp, value: value))
                    if let starts, offset < starts.count, let start = starts[offset] { startTimestamps[timestamp] = timestamp + start }
                case .omitted: continue
                case .histogram(let literal):
                    let timestamp = Int64(offset) * step
                    histogramSamples.append(HistogramSample(timestamp: timestamp, histogram: literal.histogram))
                    if let starts, offset < starts.count, let start = starts[offset] { startTimestamps[timestamp] = timestamp + start }
                }
            }
            if !histogramSamples.isEmpty { storage.add(labels, histogramSamples) }
            if starts != nil { storage.addStartTimestamps(labels, startTimestamps) }
            if nhcb { classic.append((labels, samples)) }
            storage.add(labels, samples)
        }
        for (labels, samples) in NHCBConversion.histograms(classic) { storage.add(labels, samples) }
    }

    /// The offsets of an `@st` line (`metric{labels}@st items`), nil for any other line.
    static func startTimestampLine(_ line: String) -> [Int64?]? {
        guard let (metric, rest) = try? SeriesDescription.splitMetric(line) else { return nil }
        if metric.hasSuffix("@st") { return try? SeriesDescription.startOffsets(rest) }
        if rest.hasPrefix("@st") { return try? SeriesDescription.startOffsets(rest.dropFirst(3)) }
        return nil
    }

    private func evaluate(_ header: String, _ block: [String], storage: MemoryStorage, at location: String, into outcome: inout Outcome) {
        let lower = header.lowercased()
        var expectFail = lower.hasPrefix("eval_fail")
        var ordered = lower.hasPrefix("eval_ordered")
        let needsWarn = lower.hasPrefix("eval_warn")
        let needsInfo = lower.hasPrefix("eval_info")
        var expectedLines: [String] = []
        var failMessage: String?
        var failRegex: String?
        var annotations = AnnotationExpectations()
        annotations.someWarning = needsWarn
        annotations.someInfo = needsInfo
        var expectedString: String?
        var expectedScalar: Double?
        var rangeVector: (from: Int64, to: Int64, step: Int64)?
        for line in block {
            if line.split(separator: " ").first == "expect" {
                let rest = line.dropFirst("expect".count).trimmingCharacters(in: .whitespaces)
                if rest.hasPrefix("fail") {
                    expectFail = true
                    if let range = rest.range(of: "msg:") { failMessage = rest[range.upperBound...].trimmingCharacters(in: .whitespaces) }
                    if let range = rest.range(of: "regex:") { failRegex = rest[range.upperBound...].trimmingCharacters(in: .whitespaces) }
                } else if rest.hasPrefix("ordered") {
                    ordered = true
                } else if annotations.read(rest) {
                    continue
                } else if rest.hasPrefix("string") {
                    let quoted = rest.dropFirst("string".count).trimmingCharacters(in: .whitespaces)
                    expectedString = (try? Parser.parse(quoted)).flatMap { if case .string(let s) = $0 { s } else { nil } }
                } else if rest.hasPrefix("range vector") {
                    let words = rest.split(separator: " ")
                    if words.count >= 8, let from = PromDuration(parsing: String(words[3])), let to = PromDuration(parsing: String(words[5])),
                       let step = PromDuration(parsing: String(words[7])) {
                        rangeVector = (from.milliseconds, to.milliseconds, step.milliseconds)
                    }
                }
                continue
            }
            if line.hasPrefix("expected_fail_message") {
                failMessage = String(line.dropFirst("expected_fail_message".count)).trimmingCharacters(in: .whitespaces)
                break
            }
            if line.hasPrefix("expected_fail_regexp") {
                failRegex = String(line.dropFirst("expected_fail_regexp".count)).trimmingCharacters(in: .whitespaces)
                break
            }
            if let scalar = Self.scalarLine(line) {
                expectedScalar = scalar
                break
            }
            expectedLines.append(line)
        }
        // Header: eval instant at T expr | eval range from S to E step D expr.
        let words = header.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var query = ""
        var instantTime: Int64?
        var range: (Int64, Int64, Int64)?
        if words.count >= 4, words[1] == "instant", words[2] == "at", let t = PromDuration(parsing: words[3]) {
            instantTime = t.milliseconds
            query = words.dropFirst(4).joined(separator: " ")
        } else if words.count >= 8, words[1] == "range", words[2] == "from", let s = PromDuration(parsing: words[3]),
                  words[4] == "to", let e = PromDuration(parsing: words[5]), words[6] == "step", let d = PromDuration(parsing: words[7]) {
            range = (s.milliseconds, e.milliseconds, d.milliseconds)
            query = words.dropFirst(8).joined(separator: " ")
        } else {
            outcome.failed += 1
            outcome.failures.append("\(location): cannot read eval header: \(header)")
            return
        }
        // Keep the query text as written (the split above collapsed repeated spaces inside strings):
        // everything after the header's fixed words.
        query = Self.dropWords(header, instantTime != nil ? 4 : 8)
        func fail(_ message: String) {
            outcome.failed += 1
            outcome.failures.append("\(location): \(query): \(message)")
        }
        let context = QueryContext()
        let result: Result<QueryValue, Error> = Result {
            let expr = try Parser.parse(query)
            if let instantTime { return try engine.instant(expr, at: instantTime, on: storage, context: context) }
            let (s, e, d) = range!
            return try engine.range(expr, start: s, end: e, step: d, on: storage, context: context)
        }
        if expectFail {
            switch result {
            case .success: fail("expected an error, got success")
            case .failure(let error):
                let text = (error as? ParseError)?.message ?? "\(error)"
                if let failMessage, !("\(error)".contains(failMessage) || text == failMessage) { fail("expected error \(failMessage), got \(text)"); return }
                if let failRegex, (try? Regex(failRegex)).map({ text.contains($0) || "\(error)".contains($0) }) == false {
                    fail("expected error matching \(failRegex), got \(text)")
                    return
                }
                outcome.passed += 1
            }
            return
        }
        let value: QueryValue
        switch result {
        case .failure(let error): fail("unexpected error: \(error)"); return
        case .success(let v): value = v
        }
        // Checks a value and its annotations (positioned within `text`) against the expectations.
        func problem(_ value: QueryValue, _ returned: [Annotation], _ text: String) -> String? {
            if let problem = annotations.mismatch(
                warnings: returned.filter { $0.kind == .warning }.map { $0.text(in: text) },
                infos: returned.filter { $0.kind == .info }.map { $0.text(in: text) }
            ) {
                return problem
            }
            do {
                try compare(value, expectedLines, scalar: expectedScalar, string: expectedString, ordered: ordered, range: range, rangeVector: rangeVector)
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let plain = problem(value, context.annotations, query) {
            fail(plain)
            return
        }
        if let instantTime, let expr = try? Parser.parse(query) {
            if let variant = stepInvarianceProblem(expr, at: instantTime, storage: storage, check: problem) {
                fail(variant)
                return
            }
            let rangeModeApplies = rangeVector == nil && expectedString == nil && !ordered
                && query.range(of: #"(start|end|range|step)\(\)"#, options: .regularExpression) == nil
            if rangeModeApplies, let rangeMode = rangeModeProblem(expr, at: instantTime, storage: storage, check: { value in
                do {
                    try compare(value, expectedLines, scalar: expectedScalar, string: expectedString, ordered: false, range: nil, rangeVector: nil)
                    return nil
                } catch {
                    return "\(error)"
                }
            }) {
                fail(rangeMode)
                return
            }
        }
        outcome.passed += 1
    }

    /// `text` without its first `count` whitespace-separated words and the blanks after them.
    static func dropWords(_ text: String, _ count: Int) -> String {
        var rest = Substring(text)
        for _ in 0..<count {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            rest = rest.drop { $0 != " " && $0 != "\t" }
        }
        return String(rest.drop { $0 == " " || $0 == "\t" })
    }

    private static func scalarLine(_ line: String) -> Double? {
        guard !line.contains("{"), !line.contains(" ") else { return nil }
        if let integer = Int64(line) { return Double(integer) }
        if line.hasPrefix("0x"), let hex = Int64(line.dropFirst(2), radix: 16) { return Double(hex) }
        if case .success(let value) = GoFloat.parse(line) { return value }
        return nil
    }

    func compare(_ value: QueryValue, _ lines: [String], scalar: Double?, string: String?, ordered: Bool,
                         range: (Int64, Int64, Int64)?, rangeVector: (from: Int64, to: Int64, step: Int64)?) throws {
        var expected: [(Labels, [SeriesDescription.Item])] = []
        for line in lines { expected.append(try SeriesDescription.parse(line)) }
        switch value {
        case .scalar(_, let got):
            guard let scalar else { throw EvaluationError("got scalar \(got), expected \(lines)") }
            guard Self.almostEqual(got, scalar) else { throw EvaluationError("expected scalar \(scalar), got \(got)") }
        case .string(_, let got):
            guard got == string else { throw EvaluationError("expected string \(string ?? "nil"), got \(got)") }
        case .vector(let t, let floats):
            try compareVector(floats.map { ($0.0, .float($0.1)) }, at: t, expected, scalar: scalar, ordered: ordered)
        case .mixedVector(let t, let elements):
            try compareVector(elements, at: t, expected, scalar: scalar, ordered: ordered)
        case .matrix(let got):
            try compareMatrix(got.map { ($0.0, $0.1, []) }, expected, scalar: scalar, range: range, rangeVector: rangeVector)
        case .mixedMatrix(let got):
            try compareMatrix(got, expected, scalar: scalar, range: range, rangeVector: rangeVector)
        }
    }

    private func compareVector(_ got: [(Labels, VectorElement)], at time: Int64, _ expected: [(Labels, [SeriesDescription.Item])], scalar: Double?, ordered: Bool) throws {
        guard scalar == nil else { throw EvaluationError("expected scalar \(scalar!), got vector") }
        guard got.count == expected.count else {
            throw EvaluationError("expected \(expected.count) samples, got \(got.count): \(got.map { "\($0.0) \($0.1)" }.prefix(5))")
        }
        for (position, sample) in got.enumerated() {
            guard let match = expected.firstIndex(where: { $0.0 == sample.0 }) else {
                throw EvaluationError("unexpected series \(sample.0) \(sample.1)")
            }
            if ordered && match != position { throw EvaluationError("expected \(expected[position].0) at position \(position + 1), got \(sample.0)") }
            switch (expected[match].1.first, sample.1) {
            case (.value(let want)?, .float(let value)):
                guard Self.almostEqual(value, want) else { throw EvaluationError("\(sample.0): expected \(want), got \(value)") }
            case (.histogram(let want)?, .histogram(let value)):
                if let problem = Self.histogramDifference(want, value) { throw EvaluationError("\(sample.0): \(problem)") }
            default:
                throw EvaluationError("\(sample.0): expected \(String(describing: expected[match].1.first)), got \(sample.1)")
            }
        }
    }

    private func compareMatrix(_ got: [(Labels, [Sample], [HistogramSample])], _ expected: [(Labels, [SeriesDescription.Item])], scalar: Double?,
                               range: (Int64, Int64, Int64)?, rangeVector: (from: Int64, to: Int64, step: Int64)?) throws {
        guard scalar == nil else { throw EvaluationError("expected scalar, got matrix") }
        let (start, step): (Int64, Int64) = range.map { ($0.0, $0.2) } ?? rangeVector.map { ($0.from, $0.step) } ?? (0, 0)
        var remaining = expected
        for (labels, samples, histograms) in got {
            guard let match = remaining.firstIndex(where: { $0.0 == labels }) else {
                throw EvaluationError("unexpected series \(labels) with \(samples.count + histograms.count) points")
            }
            let want = remaining.remove(at: match).1
            var points: [Sample] = []
            var histogramPoints: [(Int64, HistogramLiteral)] = []
            for (offset, item) in want.enumerated() {
                let time = start + Int64(offset) * step
                switch item {
                case .value(let v): points.append(Sample(timestamp: time, value: v))
                case .histogram(let h): histogramPoints.append((time, h))
                case .omitted: break
                }
            }
            guard points.count == samples.count else {
                throw EvaluationError("\(labels): expected \(points.count) points, got \(samples.count): \(samples.prefix(6).map { "\($0.value)@\($0.timestamp)" })")
            }
            for (a, b) in zip(points, samples) where a.timestamp != b.timestamp || !Self.almostEqual(b.value, a.value) {
                throw EvaluationError("\(labels): expected \(a.value)@\(a.timestamp), got \(b.value)@\(b.timestamp)")
            }
            guard histogramPoints.count == histograms.count else {
                throw EvaluationError("\(labels): expected \(histogramPoints.count) histogram points, got \(histograms.count)")
            }
            for (a, b) in zip(histogramPoints, histograms) {
                guard a.0 == b.timestamp else { throw EvaluationError("\(labels): expected a histogram at \(a.0), got one at \(b.timestamp)") }
                if let problem = Self.histogramDifference(a.1, b.histogram) { throw EvaluationError("\(labels) at \(b.timestamp): \(problem)") }
            }
        }
        if let missing = remaining.first { throw EvaluationError("missing series \(missing.0)") }
    }

    /// How a histogram differs from the expected literal (promqltest-dsl.md §4.3): both compacted;
    /// schema, zero threshold, custom bounds and spans exactly, counts and sum within ε; the counter
    /// reset hint only when the literal gives one. Nil when they match.
    package static func histogramDifference(_ expected: HistogramLiteral, _ got: FloatHistogram) -> String? {
        let want = expected.histogram.compacted()
        let have = got.compacted()
        let mismatch = "expected \(want.testExpression), got \(have.testExpression)"
        guard want.schema == have.schema, want.zeroThreshold == have.zeroThreshold else { return mismatch }
        if want.usesCustomBuckets && want.customValues != have.customValues { return mismatch }
        guard almostEqual(want.count, have.count), almostEqual(want.sum, have.sum), almostEqual(want.zeroCount, have.zeroCount) else { return mismatch }
        guard want.positiveSpans == have.positiveSpans, want.negativeSpans == have.negativeSpans else { return mismatch }
        guard zip(want.positiveBuckets, have.positiveBuckets).allSatisfy({ almostEqual($0, $1) }),
            zip(want.negativeBuckets, have.negativeBuckets).allSatisfy({ almostEqual($0, $1) })
        else { return mismatch }
        if expected.hintGiven && want.counterResetHint != have.counterResetHint { return mismatch + " (counter reset hint)" }
        return nil
    }

    /// Prometheus's `almost.Equal` with ε = 1e-6; the stale marker equals only itself.
    static func almostEqual(_ a: Double, _ b: Double) -> Bool {
        if StaleMarker.isStale(a) || StaleMarker.isStale(b) { return StaleMarker.isStale(a) && StaleMarker.isStale(b) }
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        let minNormal = 2.2250738585072014e-308
        let difference = abs(a - b)
        if a == 0 || b == 0 || abs(a) + abs(b) < minNormal { return difference < 1e-6 * minNormal }
        return difference / min(abs(a) + abs(b), .greatestFiniteMagnitude) < 1e-6
    }
}
