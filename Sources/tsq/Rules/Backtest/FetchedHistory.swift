import MetricsModel
import PromQL

/// History copied from a server for a backtest: the raw samples of every series the rules select,
/// over the whole span, fetched once up front so the evaluator reads them in process.
final class FetchedHistory: Queryable, @unchecked Sendable {
    /// Written only while fetching, before any evaluation reads it.
    private(set) var series: [Labels: [Sample]] = [:]

    func add(_ labels: Labels, _ samples: [Sample]) {
        series[labels] = samples.sorted { $0.timestamp < $1.timestamp }
    }

    var sampleCount: Int { series.values.reduce(0) { $0 + $1.count } }

    func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        var out: [(Labels, [Sample])] = []
        for (labels, samples) in series where matchers.allSatisfy({ $0.matches(labels.get($0.name)) }) {
            let first = samples.partitionIndex(where: { $0.timestamp >= mint })
            let end = samples.partitionIndex(where: { $0.timestamp > maxt })
            if first < end { out.append((labels, Array(samples[first..<end]))) }
        }
        return out.sorted { $0.0 < $1.0 }
    }
}

extension Expr {
    /// How far before an evaluation time the expression reads (ms): its longest range plus offset
    /// and subquery range; durations that are not literals count as an hour.
    var reach: Int64 {
        func milliseconds(_ duration: DurationExpr?) -> Int64 {
            switch duration {
            case nil: return 0
            case .literal(let ms): return abs(ms)
            case .seconds(let seconds): return Int64(abs(seconds) * 1000)
            default: return 3_600_000
            }
        }
        switch self {
        case .number, .string: return 0
        case .vector(let selector): return milliseconds(selector.modifiers.offset)
        case .matrix(let selector, let range): return milliseconds(range) + milliseconds(selector.modifiers.offset)
        case .subquery(let subquery): return milliseconds(subquery.range) + milliseconds(subquery.modifiers.offset) + subquery.expr.reach
        case .call(_, let args, _): return args.map(\.reach).max() ?? 0
        case .aggregate(let aggregate): return max(aggregate.parameter?.reach ?? 0, aggregate.expr.reach)
        case .binary(let binary): return max(binary.lhs.reach, binary.rhs.reach)
        case .unary(_, let inner), .paren(let inner): return inner.reach
        }
    }
}
