import MetricsModel

/// Evaluates PromQL over a `Queryable`. Range queries evaluate each node once for all steps
/// (series-major arrays of per-step values), so cost grows with series × steps, never with a
/// re-evaluation of the whole expression per step.
package struct Engine: Sendable {
    /// How far back an instant selector looks for a sample: (t − lookback, t].
    package var lookbackDelta: Int64 = 5 * 60_000
    /// Points a query may load before it fails.
    package var maxSamples = 50_000_000
    /// Bytes a query's samples and step points may take (`--query.max-memory`; 0 for no limit).
    /// Counted as the sample limit is, at `bytesPerPoint` each: raw samples loaded and step values
    /// held, as they are loaded and before they are allocated. Series labels and the size of
    /// native histograms beyond one point are not counted, so the budget bounds the working set
    /// rather than every byte.
    package var maxMemory = 0

    /// What one loaded sample or held step point costs in memory: a timestamp and a value.
    package static let bytesPerPoint = 16

    package init() {}

    /// The points a query may hold: the sample limit, or the memory budget's, whichever is less.
    var pointBudget: Int { maxMemory > 0 ? min(maxSamples, maxMemory / Self.bytesPerPoint) : maxSamples }

    /// The sample limit's error, worded for the memory budget when that is the limit that bound.
    func budgetError(_ error: EvaluationError) -> EvaluationError {
        guard error.message == Evaluation.tooManySamples, maxMemory > 0, maxMemory / Self.bytesPerPoint < maxSamples else { return error }
        return EvaluationError("query processing would use more than \(maxMemory) bytes of memory (--query.max-memory) in query execution")
    }

    /// An instant query at `time` (ms).
    package func instant(_ expr: Expr, at time: Int64, on storage: some Queryable, context: QueryContext = .unbounded) throws -> QueryValue {
        do {
            return try evaluateInstant(expr, at: time, on: storage, context: context)
        } catch let error as EvaluationError {
            throw budgetError(error)
        }
    }

    private func evaluateInstant(_ expr: Expr, at time: Int64, on storage: some Queryable, context: QueryContext) throws -> QueryValue {
        let steps = Steps(start: time, end: time, step: 0)
        var evaluation = Evaluation(storage: storage, steps: steps, lookback: lookbackDelta, maxSamples: pointBudget, context: context)
        if try Parser.type(of: expr) == .matrix {
            return .matrix(try evaluation.rawMatrix(expr).map { ($0.labels, $0.samples) }.sorted { $0.0 < $1.0 })
        }
        switch try evaluation.eval(expr) {
        case .scalar(let values): return .scalar(timestamp: time, value: values[0])
        case .string(let text): return .string(timestamp: time, value: text)
        case .vector(let series):
            if series.contains(where: { $0.histograms?[0] != nil }) { return try Self.mixedVector(series, at: time) }
            var result = series.compactMap { item -> (Labels, Double)? in
                item.values[0].map { (Evaluation.finalLabels(item), $0) }
            }
            try Evaluation.checkDuplicates(result.map(\.0))
            Self.applySortFunction(expr, &result)
            return .vector(timestamp: time, result)
        }
    }

    /// `sort`, `sort_desc`, `sort_by_label` and `sort_by_label_desc` order an instant result; they
    /// only matter at the top of an instant query (a range query's series are sorted by labels).
    static func applySortFunction(_ expr: Expr, _ result: inout [(Labels, Double)]) {
        var inner = expr
        while case .paren(let e) = inner { inner = e }
        if case .aggregate(let aggregate) = inner, aggregate.op == .topk || aggregate.op == .bottomk {
            let descending = aggregate.op == .topk
            result.sort { a, b in
                if a.1.isNaN != b.1.isNaN { return b.1.isNaN }
                return descending ? a.1 > b.1 : a.1 < b.1
            }
            return
        }
        guard case .call(let function, let args, _) = inner else { return }
        let name = function.name
        func valueLess(_ a: Double, _ b: Double, descending: Bool) -> Bool {
            // NaN sorts last either way.
            if a.isNaN != b.isNaN { return b.isNaN }
            return descending ? a > b : a < b
        }
        switch name {
        case "sort": result.sort { valueLess($0.1, $1.1, descending: false) }
        case "sort_desc": result.sort { valueLess($0.1, $1.1, descending: true) }
        case "sort_by_label", "sort_by_label_desc":
            let names = args.dropFirst().compactMap { arg -> String? in if case .string(let s) = arg { s } else { nil } }
            let descending = name == "sort_by_label_desc"
            result.sort { a, b in
                for label in names {
                    let x = a.0.get(label), y = b.0.get(label)
                    if x != y { return descending ? Self.naturalLess(y, x) : Self.naturalLess(x, y) }
                }
                return descending ? b.0 < a.0 : a.0 < b.0
            }
        default: return
        }
    }

    /// Natural order: digit runs compare by value ("a2" < "a10"), as Prometheus's sort_by_label does.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        var x = Array(a.unicodeScalars)[...], y = Array(b.unicodeScalars)[...]
        while let p = x.first, let q = y.first {
            let pd = p.properties.numericType != nil && ("0"..."9").contains(p)
            let qd = q.properties.numericType != nil && ("0"..."9").contains(q)
            if pd && qd {
                let xs = x.prefix { ("0"..."9").contains($0) }, ys = y.prefix { ("0"..."9").contains($0) }
                let xv = String(String.UnicodeScalarView(xs)).drop { $0 == "0" }, yv = String(String.UnicodeScalarView(ys)).drop { $0 == "0" }
                if xv.count != yv.count { return xv.count < yv.count }
                if xv != yv { return xv < yv }
                x = x.dropFirst(xs.count)
                y = y.dropFirst(ys.count)
                continue
            }
            if p != q { return p.value < q.value }
            x = x.dropFirst()
            y = y.dropFirst()
        }
        return x.count < y.count
    }

    /// A range query: `start`, `start + step`, …, up to `end` (ms). The result is a matrix sorted by labels.
    package func range(_ expr: Expr, start: Int64, end: Int64, step: Int64, on storage: some Queryable, context: QueryContext = .unbounded) throws -> QueryValue {
        do {
            return try evaluateRange(expr, start: start, end: end, step: step, on: storage, context: context)
        } catch let error as EvaluationError {
            throw budgetError(error)
        }
    }

    private func evaluateRange(_ expr: Expr, start: Int64, end: Int64, step: Int64, on storage: some Queryable, context: QueryContext) throws -> QueryValue {
        guard step > 0 else { throw EvaluationError("zero or negative query resolution step widths are not accepted") }
        guard end >= start else { throw EvaluationError("end timestamp must not be before start time") }
        let type = try Parser.type(of: expr)
        guard type == .scalar || type == .vector else {
            throw EvaluationError("invalid expression type \"\(type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        let steps = Steps(start: start, end: end, step: step)
        var evaluation = Evaluation(storage: storage, steps: steps, lookback: lookbackDelta, maxSamples: pointBudget, context: context)
        let value = try evaluation.eval(expr)
        var out: [(Labels, [Sample])] = []
        switch value {
        case .scalar(let values):
            out.append((Labels.empty, values.enumerated().map { Sample(timestamp: steps.time($0.offset), value: $0.element) }))
        case .vector(let series):
            if series.contains(where: { $0.histograms != nil }) { return try Self.mixedMatrix(series, steps: steps) }
            var merged: [Labels: [Sample]] = [:]
            for item in series {
                let points = item.values.points.map { Sample(timestamp: steps.time($0.step), value: $0.value) }
                guard !points.isEmpty else { continue }
                let labels = Evaluation.finalLabels(item)
                if let existing = merged[labels] {
                    // Two series that end up with the same labels may not share a step.
                    let times = Set(existing.map(\.timestamp))
                    if points.contains(where: { times.contains($0.timestamp) }) {
                        throw EvaluationError("vector cannot contain metrics with the same labelset")
                    }
                    merged[labels] = (existing + points).sorted { $0.timestamp < $1.timestamp }
                } else {
                    merged[labels] = points
                }
            }
            out = merged.map { ($0.key, $0.value) }
        case .string:
            throw EvaluationError("invalid expression type \"string\" for range query, must be Scalar or instant Vector")
        }
        return .matrix(out.sorted { $0.0 < $1.0 })
    }
}

extension Engine {
    /// An instant result with histograms among its elements, in label order.
    static func mixedVector(_ series: [StepSeries], at time: Int64) throws -> QueryValue {
        var result: [(Labels, VectorElement)] = []
        for item in series {
            if let histogram = item.histograms?[0] {
                result.append((Evaluation.finalLabels(item), .histogram(histogram)))
            } else if let value = item.values[0] {
                result.append((Evaluation.finalLabels(item), .float(value)))
            }
        }
        try Evaluation.checkDuplicates(result.map(\.0))
        return .mixedVector(timestamp: time, result.sorted { $0.0 < $1.0 })
    }

    /// A range result with histogram points: series that end up with the same labels merge when
    /// they share no step.
    static func mixedMatrix(_ series: [StepSeries], steps: Steps) throws -> QueryValue {
        var merged: [Labels: (floats: [Sample], histograms: [HistogramSample])] = [:]
        for item in series {
            let floats = item.values.points.map { Sample(timestamp: steps.time($0.step), value: $0.value) }
            let histograms = (item.histograms ?? []).enumerated().compactMap { step, histogram in
                histogram.map { HistogramSample(timestamp: steps.time(step), histogram: $0) }
            }
            guard !floats.isEmpty || !histograms.isEmpty else { continue }
            let labels = Evaluation.finalLabels(item)
            if let existing = merged[labels] {
                let times = Set(existing.floats.map(\.timestamp) + existing.histograms.map(\.timestamp))
                if floats.contains(where: { times.contains($0.timestamp) }) || histograms.contains(where: { times.contains($0.timestamp) }) {
                    throw EvaluationError("vector cannot contain metrics with the same labelset")
                }
                merged[labels] = ((existing.floats + floats).sorted { $0.timestamp < $1.timestamp },
                                  (existing.histograms + histograms).sorted { $0.timestamp < $1.timestamp })
            } else {
                merged[labels] = (floats, histograms)
            }
        }
        return .mixedMatrix(merged.map { ($0.key, $0.value.floats, $0.value.histograms) }.sorted { $0.0 < $1.0 })
    }
}

/// The state of one query's evaluation.
struct Evaluation {
    let storage: any Queryable
    let steps: Steps
    let lookback: Int64
    let maxSamples: Int
    let context: QueryContext
    /// Raw samples read from storage so far.
    var samplesLoaded = 0
    /// Points held by the step values evaluated and still in use (the outputs of finished
    /// sibling subexpressions and of the node being built): Prometheus's "current samples". With
    /// `samplesLoaded`, bounded by `maxSamples`.
    var pointsHeld = 0
    /// Set while evaluating the argument of `histogram_count`, `histogram_sum` or `histogram_avg`:
    /// histograms are read with their counter-reset hints judged sample by sample, as Prometheus's
    /// statistics iterator reads them (which shows in the annotations of aggregations beneath).
    var statisticsDecoding = false
    /// The query's first and last evaluation times, which `@ start()` and `@ end()` name, also
    /// inside a subquery (whose own steps are other times).
    var queryStart: Int64
    var queryEnd: Int64

    init(storage: any Queryable, steps: Steps, lookback: Int64, maxSamples: Int, context: QueryContext = .unbounded) {
        self.storage = storage
        self.steps = steps
        queryStart = steps.start
        queryEnd = steps.end
        self.lookback = lookback
        self.maxSamples = maxSamples
        self.context = context
    }

    /// Evaluates `expr` at every step. Its arguments' points are released once it returns, and its
    /// own are held until the caller is done with them.
    mutating func eval(_ expr: Expr) throws -> StepValue {
        let held = pointsHeld
        let value = try evalNode(expr)
        pointsHeld = held
        try reservePoints(value.pointCount(steps: steps.count))
        pointsHeld += value.pointCount(steps: steps.count)
        return value
    }

    static let tooManySamples = "query processing would load too many samples into memory in query execution"

    /// Throws, as Prometheus does (422), unless `count` more points fit in the sample budget beside
    /// what is loaded and held. Called before allocating for them, so an oversized subquery or
    /// step count fails at once instead of after its allocation.
    func reservePoints(_ count: Int) throws {
        guard count >= 0, count <= maxSamples - samplesLoaded - pointsHeld else { throw EvaluationError(Self.tooManySamples) }
    }

    private mutating func evalNode(_ expr: Expr) throws -> StepValue {
        try context.check()
        switch expr {
        case .number(let value): return .scalar([Double](repeating: value, count: steps.count))
        case .string(let text): return .string(text)
        case .paren(let inner): return try eval(inner)
        case .unary(let negative, let inner):
            switch try eval(inner) {
            case .scalar(let values): return .scalar(negative ? values.map { -$0 } : values)
            case .vector(var series):
                guard negative else { return .vector(series) }
                for index in series.indices {
                    series[index].values = series[index].values.map { -$0 }
                    series[index].histograms = series[index].histograms?.map { histogram in
                        histogram.map { var negated = $0; negated.multiply(by: -1); return negated }
                    }
                    series[index].dropName = true
                }
                return .vector(series)
            case .string: throw EvaluationError("unary expression on a string")
            }
        case .vector(let selector): return .vector(try selectInstant(selector))
        case .matrix, .subquery:
            throw EvaluationError("range vector can only be used as a function argument")
        case .call(let function, let args, let positions): return try call(function, args, positions)
        case .aggregate(let aggregate): return try self.aggregate(aggregate)
        case .binary(let binary): return try self.binary(binary)
        }
    }

    /// Labels of a result series, with `__name__` removed when an operation asked for it.
    /// Metadata labels that describe the metric name (`--enable-feature=type-and-unit-labels`): they
    /// go when the name goes.
    static let nameMetadataLabels = ["__type__", "__unit__"]

    static func finalLabels(_ series: StepSeries) -> Labels {
        guard series.dropName else { return series.labels }
        guard series.labels[LabelNames.metricName] != nil || nameMetadataLabels.contains(where: { series.labels[$0] != nil }) else {
            return series.labels
        }
        var builder = LabelsBuilder(series.labels)
        builder.delete(LabelNames.metricName)
        for name in nameMetadataLabels { builder.delete(name) }
        return builder.labels()
    }

    static func checkDuplicates(_ labels: [Labels]) throws {
        var seen = Set<Labels>()
        for item in labels where !seen.insert(item).inserted {
            throw EvaluationError("vector cannot contain metrics with the same labelset")
        }
    }

    /// Seconds → ms, as Prometheus converts durations computed in expressions.
    func duration(_ expr: DurationExpr) throws -> Int64 {
        let seconds = try durationSeconds(expr)
        guard seconds.isFinite, abs(seconds) < 9e12 else { throw EvaluationError("duration out of range") }
        return Int64((seconds * 1000).rounded())
    }

    private func durationSeconds(_ expr: DurationExpr) throws -> Double {
        switch expr {
        case .literal(let milliseconds): return Double(milliseconds) / 1000
        case .seconds(let seconds): return seconds
        case .negate(let inner): return -(try durationSeconds(inner))
        case .paren(let inner): return try durationSeconds(inner)
        case .call(let name, let args):
            switch name {
            case "step": return Double(steps.step) / 1000
            case "range": return Double(steps.end - steps.start) / 1000
            default:
                let a = try durationSeconds(args[0]), b = try durationSeconds(args[1])
                return name == "min_of" ? Swift.min(a, b) : Swift.max(a, b)
            }
        case .binary(let op, let lhs, let rhs):
            let a = try durationSeconds(lhs)
            let b = try durationSeconds(rhs)
            switch op {
            case .add: return a + b
            case .sub: return a - b
            case .mul: return a * b
            case .div:
                guard b != 0 else { throw EvaluationError("division by zero in duration expression") }
                return a / b
            case .mod:
                guard b != 0 else { throw EvaluationError("modulo by zero in duration expression") }
                return a.truncatingRemainder(dividingBy: b)
            case .pow: return pow(a, b)
            default: throw EvaluationError("operator \(op.rawValue) not allowed in duration expression")
            }
        }
    }

    /// The evaluation time of step `index` after `@` and `offset`.
    func selectorTime(_ index: Int, _ modifiers: Modifiers, offset: Int64) -> Int64 {
        let base: Int64
        switch modifiers.at {
        case .timestamp(let t): base = t
        case .start: base = queryStart
        case .end: base = queryEnd
        case nil: base = steps.time(index)
        }
        return Self.clampedTime(base.saturatingSubtract(offset))
    }

    /// The span selector times are held to: ±2^62 ms (146 million years), so that adding a range,
    /// lookback or step to one (each at most about 2^53 ms) cannot overflow. Nothing is stored
    /// beyond it, so clamping an `@`/offset time changes no result.
    static let timeLimit: Int64 = 1 << 62

    static func clampedTime(_ t: Int64) -> Int64 {
        min(max(t, -timeLimit), timeLimit)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
