import Foundation
import MetricsModel
import PromQL

/// The two re-checks Prometheus's runner makes of every instant eval (DSL §4.2): the query pinned
/// with `@` at its time and evaluated at other times must give the same answer (step invariance),
/// and a range query around the time must hold the same answer at that time.
extension PromQLTestRunner {
    /// Functions whose value depends on the evaluation time, which `@` cannot pin.
    static let timeDependentFunctions: Set<String> = [
        "days_in_month", "day_of_month", "day_of_week", "day_of_year", "end", "hour", "minute", "month", "year",
        "predict_linear", "range", "start", "step", "time", "timestamp",
    ]

    /// Times the pinned query is evaluated at, for an eval at `time` (ms).
    static func variantTimes(_ time: Int64) -> [Int64] {
        time == 0 ? [-1000, 0, 1000] : [-10 * time, 0, time / 5, time, 10 * time]
    }

    /// `expr` with `@ time` on every selector and subquery without an `@ <timestamp>` (an `@ start()`
    /// or `@ end()` is replaced, as Prometheus's runner sets the timestamp those leave unset); what
    /// lies inside a subquery is left as it is (the subquery's own `@` fixes it).
    static func pinned(_ expr: Expr, at time: Int64) -> Expr {
        func pin(_ modifiers: inout Modifiers) {
            if case .timestamp = modifiers.at { return }
            modifiers.at = .timestamp(time)
        }
        switch expr {
        case .number, .string: return expr
        case .vector(var selector):
            pin(&selector.modifiers)
            return .vector(selector)
        case .matrix(var selector, let range):
            pin(&selector.modifiers)
            return .matrix(selector, range: range)
        case .subquery(var subquery):
            pin(&subquery.modifiers)
            return .subquery(subquery)
        case .call(let function, let args, let positions):
            return .call(function, args: args.map { pinned($0, at: time) }, positions: positions)
        case .aggregate(var aggregate):
            aggregate.expr = pinned(aggregate.expr, at: time)
            aggregate.parameter = aggregate.parameter.map { pinned($0, at: time) }
            return .aggregate(aggregate)
        case .binary(var binary):
            binary.lhs = pinned(binary.lhs, at: time)
            binary.rhs = pinned(binary.rhs, at: time)
            return .binary(binary)
        case .unary(let negative, let inner): return .unary(negative: negative, pinned(inner, at: time))
        case .paren(let inner): return .paren(pinned(inner, at: time))
        }
    }

    /// The names of the functions `expr` calls.
    static func calledFunctions(_ expr: Expr) -> Set<String> {
        switch expr {
        case .number, .string, .vector, .matrix: return []
        case .subquery(let subquery): return calledFunctions(subquery.expr)
        case .call(let function, let args, _): return args.reduce(into: [function.name]) { $0.formUnion(calledFunctions($1)) }
        case .aggregate(let aggregate):
            return calledFunctions(aggregate.expr).union(aggregate.parameter.map(calledFunctions) ?? [])
        case .binary(let binary): return calledFunctions(binary.lhs).union(calledFunctions(binary.rhs))
        case .unary(_, let inner), .paren(let inner): return calledFunctions(inner)
        }
    }

    /// Why the step-invariance check fails; nil when it passes or does not apply.
    /// `check` compares a value and its annotations (rendered within the query text given) with the eval's expectations.
    func stepInvarianceProblem(_ expr: Expr, at time: Int64, storage: MemoryStorage,
                               check: (QueryValue, [Annotation], String) -> String?) -> String? {
        guard Self.calledFunctions(expr).isDisjoint(with: Self.timeDependentFunctions) else { return nil }
        let query = Self.pinned(expr, at: time).description
        guard let pinnedExpr = try? Parser.parse(query) else { return "@ variant \(query) does not parse" }
        for variantTime in Self.variantTimes(time) {
            let context = QueryContext()
            do {
                let value = try engine.instant(pinnedExpr, at: variantTime, on: storage, context: context)
                if let problem = check(value, context.annotations, query) { return "@ variant \(query) at \(variantTime)ms: \(problem)" }
            } catch {
                return "@ variant \(query) at \(variantTime)ms: unexpected error: \(error)"
            }
        }
        return nil
    }

    /// Why the range-mode check fails; nil when it passes. A range query from time − 1m to time + 1m
    /// (step 1m), sorted by labels, must hold the instant answer at `time`.
    func rangeModeProblem(_ expr: Expr, at time: Int64, storage: MemoryStorage, check: (QueryValue) -> String?) -> String? {
        let value: QueryValue
        do {
            value = try engine.range(expr, start: time - 60_000, end: time + 60_000, step: 60_000, on: storage)
        } catch {
            return "range mode: unexpected error: \(error)"
        }
        let series: [(Labels, [Sample], [HistogramSample])]
        switch value {
        case .matrix(let floats): series = floats.map { ($0.0, $0.1, []) }
        case .mixedMatrix(let mixed): series = mixed
        default: return "range mode: expected a matrix"
        }
        guard zip(series, series.dropFirst()).allSatisfy({ $0.0 < $1.0 }) else { return "range mode: series are not sorted by labels" }
        let atTime = series.compactMap { labels, samples, histograms -> (Labels, VectorElement)? in
            if let sample = samples.first(where: { $0.timestamp == time }) { return (labels, .float(sample.value)) }
            return histograms.first { $0.timestamp == time }.map { (labels, .histogram($0.histogram)) }
        }
        let instant: QueryValue
        if (try? Parser.type(of: expr)) == .scalar {
            guard case .float(let point)? = atTime.first?.1 else { return "range mode: no scalar point at \(time)ms" }
            instant = .scalar(timestamp: time, value: point)
        } else if atTime.contains(where: { if case .histogram = $0.1 { true } else { false } }) {
            instant = .mixedVector(timestamp: time, atTime)
        } else {
            instant = .vector(timestamp: time, atTime.compactMap { if case .float(let v) = $0.1 { ($0.0, v) } else { nil } })
        }
        return check(instant).map { "range mode: \($0)" }
    }
}
