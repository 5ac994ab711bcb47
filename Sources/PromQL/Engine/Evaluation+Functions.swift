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

    mutating func call(_ name: String, _ args: [Expr], _ positions: SourcePositions = SourcePositions()) throws -> StepValue {
        if args.contains(where: { (try? Parser.type(of: $0)) == .matrix }) {
            if name == "absent_over_time" { return try absentOverTime(args[0]) }
            return try rangeFunction(name, args, positions)
        }
        switch name {
        case "info": return try info(args)
        case "time": return .scalar((0..<steps.count).map { Double(steps.time($0)) / 1000 })
        case "pi": return .scalar([Double](repeating: .pi, count: steps.count))
        case "start": return .scalar([Double](repeating: Double(steps.start) / 1000, count: steps.count))
        case "end": return .scalar([Double](repeating: Double(steps.end) / 1000, count: steps.count))
        case "range": return .scalar([Double](repeating: Double(steps.end - steps.start) / 1000, count: steps.count))
        case "step": return .scalar([Double](repeating: Double(steps.step) / 1000, count: steps.count))
        case "min_of", "max_of":
            let a = try scalarArgument(args[0])
            let b = try scalarArgument(args[1])
            return .scalar(zip(a, b).map { x, y in
                if x.isNaN || y.isNaN { return .nan }
                return name == "min_of" ? Swift.min(x, y) : Swift.max(x, y)
            })
        case "vector":
            return .vector([StepSeries(labels: .empty, values: try scalarArgument(args[0]))])
        case "scalar":
            let series = try vectorArgument(args[0])
            return .scalar((0..<steps.count).map { index in
                let present = series.filter { !Absent.test($0.values[index]) }
                return present.count == 1 ? present[0].values[index] : .nan
            })
        case "absent": return try absent(args[0])
        case "timestamp": return try timestamp(args[0])
        case "start_timestamp": return try startTimestamp(args[0])
        case "sort", "sort_desc", "sort_by_label", "sort_by_label_desc":
            return .vector(try vectorArgument(args[0]))
        case "label_replace": return try labelReplace(args)
        case "label_join": return try labelJoin(args)
        case "clamp", "clamp_min", "clamp_max", "round":
            var series = try vectorArgument(args[0])
            let first = args.count > 1 ? try scalarArgument(args[1]) : [Double](repeating: 1, count: steps.count)
            let second = args.count > 2 ? try scalarArgument(args[2]) : []
            for index in series.indices {
                series[index].dropName = true
                for step in 0..<steps.count where !Absent.test(series[index].values[step]) {
                    let v = series[index].values[step]
                    switch name {
                    case "clamp":
                        series[index].values[step] = second[step] < first[step] ? Absent.value : goMax(first[step], goMin(second[step], v))
                    case "clamp_min": series[index].values[step] = goMax(v, first[step])
                    case "clamp_max": series[index].values[step] = goMin(v, first[step])
                    default:
                        let inverse = 1 / first[step]
                        series[index].values[step] = ((v * inverse + 0.5).rounded(.down)) / inverse
                    }
                }
            }
            return .vector(series.filter { $0.values.contains { !Absent.test($0) } })
        case "histogram_quantile": return try histogramQuantile(args, positions)
        case "histogram_quantiles": return try histogramQuantiles(args, positions)
        case "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year":
            let series: [StepSeries] = args.isEmpty
                ? [StepSeries(labels: .empty, values: (0..<steps.count).map { Double(steps.time($0)) / 1000 })]
                : try vectorArgument(args[0])
            return .vector(series.map { item in
                var out = item
                out.dropName = true
                out.values = item.values.map { Absent.test($0) ? $0 : Self.dateComponent(name, $0) }
                return out
            })
        default:
            guard let transform = Self.mathFunctions[name] else { throw EvaluationError("function \(name) is not supported") }
            var series = try vectorArgument(args[0])
            for index in series.indices {
                series[index].dropName = true
                series[index].values = series[index].values.map { Absent.test($0) ? $0 : transform($0) }
            }
            return .vector(series)
        }
    }

    static let mathFunctions: [String: @Sendable (Double) -> Double] = [
        "abs": { Swift.abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) }, "exp": { Foundation.exp($0) },
        "sqrt": { $0.squareRoot() }, "ln": { Foundation.log($0) }, "log2": { Foundation.log2($0) }, "log10": { Foundation.log10($0) },
        "sgn": { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }, "deg": { $0 * 180 / .pi }, "rad": { $0 * .pi / 180 },
        "acos": { Foundation.acos($0) }, "acosh": { Foundation.acosh($0) }, "asin": { Foundation.asin($0) }, "asinh": { Foundation.asinh($0) },
        "atan": { Foundation.atan($0) }, "atanh": { Foundation.atanh($0) }, "cos": { Foundation.cos($0) }, "cosh": { Foundation.cosh($0) },
        "sin": { Foundation.sin($0) }, "sinh": { Foundation.sinh($0) }, "tan": { Foundation.tan($0) }, "tanh": { Foundation.tanh($0) },
    ]

    static func dateComponent(_ name: String, _ seconds: Double) -> Double {
        guard seconds.isFinite else { return .nan }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: seconds.rounded(.down))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        switch name {
        case "day_of_month": return Double(parts.day!)
        case "day_of_week": return Double(parts.weekday! - 1)
        case "day_of_year": return Double(calendar.ordinality(of: .day, in: .year, for: date)!)
        case "days_in_month": return Double(calendar.range(of: .day, in: .month, for: date)!.count)
        case "hour": return Double(parts.hour!)
        case "minute": return Double(parts.minute!)
        case "month": return Double(parts.month!)
        default: return Double(parts.year!)
        }
    }

    /// 1 with the selector's equality labels where the argument has no series at a step.
    private mutating func absent(_ arg: Expr) throws -> StepValue {
        let series = try vectorArgument(arg)
        let values = (0..<steps.count).map { index in series.contains { !Absent.test($0.values[index]) } ? Absent.value : 1 }
        return .vector([StepSeries(labels: Self.absentLabels(arg), values: values)])
    }

    private mutating func absentOverTime(_ arg: Expr) throws -> StepValue {
        let counted = try rangeFunction("count_over_time", [arg])
        guard case .vector(let series) = counted else { return .vector([]) }
        let values = (0..<steps.count).map { index in series.contains { !Absent.test($0.values[index]) } ? Absent.value : 1 }
        return .vector([StepSeries(labels: Self.absentLabels(arg), values: values)])
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

    private mutating func timestamp(_ arg: Expr) throws -> StepValue {
        var inner = arg
        while case .paren(let e) = inner { inner = e }
        guard case .vector(let selector) = inner else {
            // Not a selector: the evaluation time, as Prometheus gives for computed vectors.
            var series = try vectorArgument(arg)
            for index in series.indices {
                series[index].dropName = true
                series[index].values = series[index].values.enumerated().map { Absent.test($0.element) ? $0.element : Double(steps.time($0.offset)) / 1000 }
            }
            return .vector(series)
        }
        // A selector: the timestamp of the sample each step picked.
        let offset = try selector.modifiers.offset.map(duration) ?? 0
        let times = (0..<steps.count).map { selectorTime($0, selector.modifiers, offset: offset) }
        guard let first = times.min(), let last = times.max() else { return .vector([]) }
        var out: [StepSeries] = []
        for (labels, samples) in try load(selector.allMatchers, from: first - lookback + 1, through: last) {
            var values = [Double](repeating: Absent.value, count: steps.count)
            for (index, t) in times.enumerated() {
                guard let sample = samples.last(where: { $0.timestamp <= t }), sample.timestamp > t - lookback,
                      !StaleMarker.isStale(sample.value) else { continue }
                values[index] = Double(sample.timestamp) / 1000
            }
            if values.contains(where: { !Absent.test($0) }) { out.append(StepSeries(labels: labels, values: values, dropName: true)) }
        }
        return .vector(out)
    }

    /// The start time (seconds) of the sample each step picked, 0 for a sample without one. Only a
    /// selector's samples carry start times: for any other expression, and over storage that keeps
    /// none, the result is empty.
    private mutating func startTimestamp(_ arg: Expr) throws -> StepValue {
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
        var out: [StepSeries] = []
        for (labels, samples) in try load(selector.allMatchers, from: mint, through: maxt) {
            guard let starts = storage.startTimestamps(of: labels, from: mint, through: maxt), starts.count == samples.count else { continue }
            var values = [Double](repeating: Absent.value, count: steps.count)
            for (index, t) in times.enumerated() {
                let after = samples.partitionIndex { $0.timestamp > t }
                guard after > 0 else { continue }
                let sample = samples[after - 1]
                guard sample.timestamp > t - lookback, !StaleMarker.isStale(sample.value) else { continue }
                values[index] = Double(starts[after - 1]) / 1000
            }
            if values.contains(where: { !Absent.test($0) }) { out.append(StepSeries(labels: labels, values: values, dropName: true)) }
        }
        return .vector(out)
    }

    private mutating func labelReplace(_ args: [Expr]) throws -> StepValue {
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

    private mutating func labelJoin(_ args: [Expr]) throws -> StepValue {
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
