import MetricsModel

/// Where the engine reads series from. Implemented by the store (in QueryAPI, which sees both).
public protocol Queryable: Sendable {
    /// Series matching every matcher with their samples in `mint...maxt`, time-sorted.
    func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])]

    /// The start timestamps (ms) of the samples `select` returns for the series `labels` over the same
    /// span, one per sample (0 where a sample has none); nil when the storage keeps none for it.
    func startTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]?

    /// Each matching series with its samples in `mint...maxt` handed to `transform` (possibly on
    /// several threads at once), the results in label order without nils. Storage that can read one
    /// series at a time streams, so a long query never holds every series' samples at once.
    func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64,
                      _ transform: (Labels, [Sample]) throws -> T?) throws -> [T]
}

extension Queryable {
    /// `select`, then `transform` over the series on all cores.
    public func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64,
                             _ transform: (Labels, [Sample]) throws -> T?) throws -> [T] {
        let series = try select(matchers, from: mint, through: maxt)
        return try ParallelWork.map(series, cost: series.reduce(0) { $0 + $1.1.count }) { try transform($0.0, $0.1) }.compactMap { $0 }
    }

    /// Storage that keeps no start timestamps.
    public func startTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? { nil }
}

/// A query's result, as the API returns it.
public enum QueryValue: Sendable, Equatable {
    case scalar(timestamp: Int64, value: Double)
    case string(timestamp: Int64, value: String)
    /// An instant vector at one timestamp.
    case vector(timestamp: Int64, [(Labels, Double)])
    /// A range vector, or a range query's result: series with their points.
    case matrix([(Labels, [Sample])])

    public static func == (lhs: QueryValue, rhs: QueryValue) -> Bool {
        switch (lhs, rhs) {
        case let (.scalar(a, x), .scalar(b, y)): return a == b && x.bitPattern == y.bitPattern
        case let (.string(a, x), .string(b, y)): return a == b && x == y
        case let (.vector(a, x), .vector(b, y)):
            return a == b && x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1.bitPattern == $1.1.bitPattern }
        case let (.matrix(x), .matrix(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

/// A failed evaluation (Prometheus's `execution` errors).
public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What stopped the query: its own semantics, or a limit on its time.
    public enum Kind: Sendable, Equatable {
        case execution, timeout, canceled
    }

    public let message: String
    public let kind: Kind
    public init(_ message: String, kind: Kind = .execution) {
        self.message = message
        self.kind = kind
    }
    public var description: String { message }
}

/// One series evaluated at every step: `values[i]` is the value at step i, or `Absent.value`.
struct StepSeries {
    var labels: Labels
    var values: [Double]
    /// Whether `__name__` must be dropped from the result (set by functions and arithmetic,
    /// applied at the end as Prometheus 3 does, so `label_replace` can still read it).
    var dropName = false
}

/// The marker for "no value at this step". A NaN with a payload no input produces; checked by bit pattern.
enum Absent {
    static let bits: UInt64 = 0x7ff4_a65e_0000_0b5e
    static let value = Double(bitPattern: bits)
    @inline(__always) static func test(_ value: Double) -> Bool { value.bitPattern == bits }
}

/// A node's value over all steps of an evaluation.
enum StepValue {
    case scalar([Double])
    case vector([StepSeries])
    case string(String)

    /// The points the value holds at `steps` steps a series, present or not (what its arrays take).
    func pointCount(steps: Int) -> Int {
        switch self {
        case .scalar: steps
        case .vector(let series): series.count.multipliedReportingOverflow(by: steps).overflow ? Int.max : series.count * steps
        case .string: 0
        }
    }
}

/// The steps an evaluation covers: `start`, `start + step`, …, `end` (ms).
struct Steps {
    let start: Int64
    let end: Int64
    let step: Int64
    /// Saturating, so a span wider than Int64 (which the API refuses past 11,000 steps) cannot trap.
    var count: Int { step == 0 ? 1 : Int(end.saturatingSubtract(start) / step) + 1 }
    @inline(__always) func time(_ index: Int) -> Int64 { start + Int64(index) * step }
}
