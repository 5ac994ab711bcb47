import Foundation
import MetricsModel

extension Evaluation {
    /// A scalar-typed argument at every step.
    mutating func scalarArgument(_ expr: Expr) throws -> [Double] {
        guard case .scalar(let values) = try eval(expr) else { throw EvaluationError("expected a scalar argument") }
        return values
    }

    mutating func vectorArgument(_ expr: Expr) throws -> [StepSeries] {
        guard case .vector(let series) = try eval(expr) else { throw EvaluationError("expected an instant vector argument") }
        return series
    }

    private func stringArgument(_ expr: Expr) throws -> String {
        var inner = expr
        while case .paren(let e) = inner { inner = e }
        guard case .string(let text) = inner else { throw EvaluationError("expected a string argument") }
        return text
    }

    /// Whether a label name from the query may be written. The lexer turns bytes that are not UTF-8
    /// into U+FFFD, so a name holding it is refused as Prometheus refuses one that is not UTF-8 (a
    /// U+FFFD written as such is refused with it).
    static func isValidLabelName(_ name: String) -> Bool {
        LabelName.isValid(name) && !name.unicodeScalars.contains("\u{FFFD}")
    }

    /// Evaluates a call through the function's entry in the registry.
    mutating func call(_ function: Function, _ args: [Expr], _ positions: SourcePositions = SourcePositions()) throws -> StepValue {
        switch function.implementation {
        case .steps(let body): return try body(&self, args, positions)
        case .window: return try rangeFunction(function, args, positions)
        }
    }

    /// A scalar at every step, from the steps' times.
    func scalarFromSteps(_ value: (Steps, Int) -> Double) -> StepValue {
        .scalar((0..<steps.count).map { value(steps, $0) })
    }

    /// `transform` applied to every present value of the vector argument; `__name__` is dropped.
    mutating func mapValues(_ arg: Expr, _ transform: (Double) -> Double) throws -> StepValue {
        var series = try vectorArgument(arg)
        for index in series.indices {
            series[index].dropName = true
            series[index].values = series[index].values.map(transform)
            // Float functions take no histograms (Prometheus leaves them out of the result).
            series[index].histograms = nil
        }
        return .vector(series.filter { $0.values.hasValue })
    }

    /// `transform(value, scalars)` for every present value of the vector `args[0]`, where `scalars`
    /// are the scalar arguments after it at that step (`defaults` for those left out); series left
    /// without a value go (`transform` returns nil for none), and `__name__` is dropped (clamp,
    /// clamp_min, clamp_max, round).
    mutating func mapValuesWithScalars(_ args: [Expr], defaults: [Double], _ transform: (Double, [Double]) -> Double?) throws -> StepValue {
        var series = try vectorArgument(args[0])
        var scalars: [[Double]] = []
        for position in 0..<defaults.count {
            scalars.append(position + 1 < args.count
                ? try scalarArgument(args[position + 1])
                : [Double](repeating: defaults[position], count: steps.count))
        }
        for index in series.indices {
            series[index].dropName = true
            series[index].histograms = nil
            for step in 0..<steps.count {
                guard let value = series[index].values[step] else { continue }
                series[index].values[step] = transform(value, scalars.map { $0[step] })
            }
        }
        return .vector(series.filter { $0.values.hasValue })
    }

    /// A date function: `component` of each present value taken as seconds since the epoch, or of
    /// the step's time without an argument.
    mutating func dateFunction(_ args: [Expr], _ component: (Calendar, Date) -> Int) throws -> StepValue {
        let series: [StepSeries] = args.isEmpty
            ? [StepSeries(labels: .empty, values: StepValues((0..<steps.count).map { Double(steps.time($0)) / 1000 }))]
            : try vectorArgument(args[0])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return .vector(series.compactMap { item in
            var out = item
            out.dropName = true
            out.histograms = nil
            out.values = item.values.map { value in
                guard value.isFinite else { return .nan }
                return Double(component(calendar, Date(timeIntervalSince1970: value.rounded(.down))))
            }
            return out.values.hasValue ? out : nil
        })
    }

    /// A native-histogram function: float samples have no histogram, so the result is empty (the
    /// argument is still evaluated, for its errors and annotations).
    /// A sort function's argument; the order is applied to the final result, which only an instant
    /// query has: over several steps (a range query, or a subquery) the call warns, as Prometheus does.
    /// `sort`/`sort_desc` (`byValue`) and `sort_by_label(_desc)`: the argument, ordered when the
    /// answer is written. Sorting by value leaves native histograms out, as Prometheus does.
    mutating func sortArgument(_ arg: Expr, _ positions: SourcePositions, byValue: Bool = false) throws -> StepValue {
        if steps.start != steps.end {
            warn("sort is ineffective for range queries since results are always ordered by labels", at: positions.call)
        }
        var series = try vectorArgument(arg)
        if byValue {
            for index in series.indices { series[index].histograms = nil }
            series.removeAll { !$0.values.hasValue }
        }
        return .vector(series)
    }

    /// `scalar(v)`: the value of the single series at each step, NaN unless there is exactly one.
    mutating func scalarOf(_ arg: Expr) throws -> StepValue {
        let series = try vectorArgument(arg)
        return .scalar((0..<steps.count).map { index in
            let present = series.compactMap { $0.values[index] }
            return present.count == 1 ? present[0] : .nan
        })
    }

    /// 1 with the selector's equality labels where the argument has no series at a step.
    mutating func absent(_ arg: Expr) throws -> StepValue {
        let series = try vectorArgument(arg)
        return .vector([StepSeries(labels: Self.absentLabels(arg), values: Self.onesWhereAbsent(series, steps: steps.count))])
    }

    /// 1 at each step where no series has a value.
    static func onesWhereAbsent(_ series: [StepSeries], steps: Int) -> StepValues {
        var values = StepValues(absent: steps)
        for step in 0..<steps where !series.contains(where: { $0.values[step] != nil || $0.histograms?[step] != nil }) { values[step] = 1 }
        return values
    }

    mutating func absentOverTime(_ arg: Expr) throws -> StepValue {
        let counted = try rangeFunction(Function.named("count_over_time")!, [arg])
        guard case .vector(let series) = counted else { return .vector([]) }
        return .vector([StepSeries(labels: Self.absentLabels(arg), values: Self.onesWhereAbsent(series, steps: steps.count))])
    }

    static func absentLabels(_ arg: Expr) -> Labels {
        var inner = arg
        while case .paren(let e) = inner { inner = e }
        let selector: VectorSelector
        switch inner {
        case .vector(let s), .matrix(let s, _): selector = s
        default: return .empty
        }
        // Labels come from equality matchers, except names matched more than once (by any operator).
        var pairs: [String: String] = [:]
        var seen: [String: Int] = [:]
        for matcher in selector.allMatchers where matcher.name != LabelNames.metricName {
            seen[matcher.name, default: 0] += 1
            if matcher.type == .equal { pairs[matcher.name] = matcher.value }
        }
        for (name, count) in seen where count > 1 { pairs[name] = nil }
        return Labels(pairs)
    }

    mutating func timestamp(_ arg: Expr) throws -> StepValue {
        var inner = arg
        while case .paren(let e) = inner { inner = e }
        guard case .vector(let selector) = inner else {
            // Not a selector: the evaluation time, as Prometheus gives for computed vectors.
            var series = try vectorArgument(arg)
            for index in series.indices {
                series[index].dropName = true
                series[index].values = series[index].values.map { step, _ in Double(steps.time(step)) / 1000 }
            }
            return .vector(series)
        }
        // A selector: the timestamp of the sample each step picked.
        let offset = try selector.modifiers.offset.map(duration) ?? 0
        let times = (0..<steps.count).map { selectorTime($0, selector.modifiers, offset: offset) }
        guard let first = times.min(), let last = times.max() else { return .vector([]) }
        // Each series' sample times, floats and histograms together, with whether each is a stale marker.
        var stamps: [Labels: [(time: Int64, stale: Bool)]] = [:]
        for (labels, samples) in try load(selector.allMatchers, from: first - lookback + 1, through: last) {
            stamps[labels, default: []] += samples.map { ($0.timestamp, StaleMarker.isStale($0.value)) }
        }
        for (labels, samples) in try loadHistograms(selector.allMatchers, from: first - lookback + 1, through: last) {
            stamps[labels, default: []] += samples.map { ($0.timestamp, $0.isStale) }
        }
        var out: [StepSeries] = []
        for (labels, unsorted) in stamps.sorted(by: { $0.key < $1.key }) {
            let samples = unsorted.sorted { $0.time < $1.time }
            var values = StepValues(absent: steps.count)
            for (index, t) in times.enumerated() {
                guard let sample = samples.last(where: { $0.time <= t }), sample.time > t - lookback, !sample.stale else { continue }
                values[index] = Double(sample.time) / 1000
            }
            if values.hasValue { out.append(StepSeries(labels: labels, values: values, dropName: true)) }
        }
        return .vector(out)
    }

    /// The start time (seconds) of the sample each step picked, 0 for a sample without one. Only a
    /// selector's samples carry start times: for any other expression, and over storage that keeps
    /// none, the result is empty.
    mutating func startTimestamp(_ arg: Expr) throws -> StepValue {
        var inner = arg
        while case .paren(let e) = inner { inner = e }
        guard case .vector(let selector) = inner else {
            _ = try vectorArgument(arg)
            return .vector([])
        }
        let offset = try selector.modifiers.offset.map(duration) ?? 0
        let times = (0..<steps.count).map { selectorTime($0, selector.modifiers, offset: offset) }
        guard let first = times.min(), let last = times.max() else { return .vector([]) }
        let (mint, maxt) = (first - lookback + 1, last)
        // Each series' samples of both kinds as (time, start, stale), time-sorted.
        var series: [Labels: [(time: Int64, start: Int64, stale: Bool)]] = [:]
        for (labels, samples) in try load(selector.allMatchers, from: mint, through: maxt) {
            guard let starts = storage.startTimestamps(of: labels, from: mint, through: maxt), starts.count == samples.count else { continue }
            series[labels] = zip(samples, starts).map { ($0.timestamp, $1, StaleMarker.isStale($0.value)) }
        }
        for (labels, samples) in try loadHistograms(selector.allMatchers, from: mint, through: maxt) {
            guard let starts = storage.histogramStartTimestamps(of: labels, from: mint, through: maxt), starts.count == samples.count else { continue }
            let points = zip(samples, starts).map { (time: $0.timestamp, start: $1, stale: $0.isStale) }
            series[labels] = (series[labels] ?? []) + points
            series[labels]!.sort { $0.time < $1.time }
        }
        var out: [StepSeries] = []
        for (labels, points) in series.sorted(by: { $0.key < $1.key }) {
            var values = StepValues(absent: steps.count)
            for (index, t) in times.enumerated() {
                let after = points.partitionIndex { $0.time > t }
                guard after > 0 else { continue }
                let point = points[after - 1]
                guard point.time > t - lookback, !point.stale else { continue }
                values[index] = Double(point.start) / 1000
            }
            if values.hasValue { out.append(StepSeries(labels: labels, values: values, dropName: true)) }
        }
        return .vector(out)
    }

    mutating func labelReplace(_ args: [Expr]) throws -> StepValue {
        var series = try vectorArgument(args[0])
        let destination = try stringArgument(args[1])
        let replacement = try stringArgument(args[2])
        let source = try stringArgument(args[3])
        let pattern = try stringArgument(args[4])
        let regex: AnchoredRegex
        do { regex = try AnchoredRegex(pattern) } catch { throw EvaluationError("invalid regular expression in label_replace(): \(pattern)") }
        guard Evaluation.isValidLabelName(destination) else { throw EvaluationError("invalid destination label name in label_replace(): \(destination)") }
        var offsets: [Int64] = []
        for index in series.indices {
            // `__name__` is still readable here even when an inner function will drop it (delayed removal).
            let value = series[index].labels.get(source)
            guard regex.match(value, groupOffsets: &offsets) else { continue }
            let expanded = Self.expand(replacement, source: value, offsets: offsets, regex: regex.compiled)
            var builder = LabelsBuilder(series[index].labels)
            builder.set(destination, expanded)
            series[index].labels = builder.labels()
            if destination == LabelNames.metricName { series[index].dropName = false }
        }
        return .vector(series)
    }

    mutating func labelJoin(_ args: [Expr]) throws -> StepValue {
        var series = try vectorArgument(args[0])
        let destination = try stringArgument(args[1])
        let separator = try stringArgument(args[2])
        let sources = try args.dropFirst(3).map(stringArgument)
        guard Evaluation.isValidLabelName(destination) else { throw EvaluationError("invalid destination label name in label_join(): \(destination)") }
        for index in series.indices {
            let labels = series[index].labels
            var builder = LabelsBuilder(series[index].labels)
            builder.set(destination, sources.map { labels.get($0) }.joined(separator: separator))
            if destination == LabelNames.metricName { series[index].dropName = false }
            series[index].labels = builder.labels()
        }
        return .vector(series)
    }

    /// Go's `Regexp.Expand` for label_replace's replacement.
    static func expand(_ template: String, source: String, offsets: [Int64], regex: RE2Regex) -> String {
        var out = ""
        var rest = Substring(template)
        let utf8 = source.utf8
        func group(_ index: Int) -> Substring {
            guard 2 * index + 1 < offsets.count, offsets[2 * index] >= 0 else { return "" }
            let start = utf8.index(utf8.startIndex, offsetBy: Int(offsets[2 * index]))
            let end = utf8.index(utf8.startIndex, offsetBy: Int(offsets[2 * index + 1]))
            return Substring(utf8[start..<end])
        }
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" { out += "$"; rest = rest.dropFirst(); continue }
            var braced = false
            var body = rest
            if body.first == "{" { braced = true; body = body.dropFirst() }
            let name = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if name.isEmpty || (braced && body.dropFirst(name.count).first != "}") { out += "$"; continue }
            rest = body.dropFirst(name.count + (braced ? 1 : 0))
            if let number = Int(name), !(name.first == "0" && name.count > 1) {
                out += group(number)
            } else if let index = regex.groupIndex(named: String(name)) {
                out += group(index)
            }
        }
        return out + rest
    }

    /// Classic-histogram quantiles: buckets grouped by labels without `le`.
}

/// Go's `math.Max`: NaN if either is NaN.
func goMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }

/// Go's `math.Min`: NaN if either is NaN.
func goMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
