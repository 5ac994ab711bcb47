import MetricsModel

/// Where the engine reads series from. Implemented by the store (in QueryAPI, which sees both).
package protocol Queryable: Sendable {
    /// Series matching every matcher with their samples in `mint...maxt`, time-sorted.
    func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])]

    /// The start timestamps (ms) of the samples `select` returns for the series `labels` over the same
    /// span, one per sample (0 where a sample has none); nil when the storage keeps none for it.
    func startTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]?

    /// The same for the native histogram samples `selectHistograms` returns.
    func histogramStartTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]?

    /// Each matching series with its samples in `mint...maxt` handed to `transform` (possibly on
    /// several threads at once), the results in label order without nils. Storage that can read one
    /// series at a time streams, so a long query never holds every series' samples at once.
    func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64,
                      _ transform: (Labels, [Sample]) throws -> T?) throws -> [T]

    /// The native histogram samples of the series matching every matcher in `mint...maxt`,
    /// time-sorted, for series that have any; apart from `select`, so float reads pay nothing for
    /// histograms. A series may have floats at some times and histograms at others.
    func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])]
}

extension Queryable {
    /// `select`, then `transform` over the series on all cores.
    package func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64,
                             _ transform: (Labels, [Sample]) throws -> T?) throws -> [T] {
        let series = try select(matchers, from: mint, through: maxt)
        return try ParallelWork.map(series, cost: series.reduce(0) { $0 + $1.1.count }) { try transform($0.0, $0.1) }.compactMap { $0 }
    }

    /// Storage that keeps no start timestamps.
    package func startTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? { nil }
    package func histogramStartTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? { nil }

    /// Storage that keeps no native histograms.
    package func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])] { [] }
}

/// A query's result, as the API returns it.
package enum QueryValue: Sendable, Equatable {
    case scalar(timestamp: Int64, value: Double)
    case string(timestamp: Int64, value: String)
    /// An instant vector at one timestamp.
    case vector(timestamp: Int64, [(Labels, Double)])
    /// A range vector, or a range query's result: series with their points.
    case matrix([(Labels, [Sample])])
    /// An instant vector with native histograms among its elements (only then: float results keep `vector`).
    case mixedVector(timestamp: Int64, [(Labels, VectorElement)])
    /// A matrix with native histogram points: each series' float and histogram points, each time-sorted.
    case mixedMatrix([(Labels, [Sample], [HistogramSample])])

    package static func == (lhs: QueryValue, rhs: QueryValue) -> Bool {
        switch (lhs, rhs) {
        case let (.scalar(a, x), .scalar(b, y)): return a == b && x.bitPattern == y.bitPattern
        case let (.string(a, x), .string(b, y)): return a == b && x == y
        case let (.vector(a, x), .vector(b, y)):
            return a == b && x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1.bitPattern == $1.1.bitPattern }
        case let (.matrix(x), .matrix(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.mixedVector(a, x), .mixedVector(b, y)): return a == b && x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.mixedMatrix(x), .mixedMatrix(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
        default: return false
        }
    }
}

/// One element of an instant vector: a float or a native histogram.
package enum VectorElement: Sendable, Equatable {
    case float(Double)
    case histogram(FloatHistogram)

    package static func == (lhs: VectorElement, rhs: VectorElement) -> Bool {
        switch (lhs, rhs) {
        case let (.float(a), .float(b)): a.bitPattern == b.bitPattern
        case let (.histogram(a), .histogram(b)): a == b
        default: false
        }
    }
}

/// A failed evaluation (Prometheus's `execution` errors).
package struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What stopped the query: its own semantics, or a limit on its time.
    package enum Kind: Sendable, Equatable {
        case execution, timeout, canceled
    }

    package let message: String
    package let kind: Kind
    package init(_ message: String, kind: Kind = .execution) {
        self.message = message
        self.kind = kind
    }
    package var description: String { message }
}

/// One series evaluated at every step: `values[i]` is the value at step i, nil where it has none.
struct StepSeries {
    var labels: Labels
    var values: StepValues
    /// The native histogram at each step, only for a series that has any; a step holds a float or a
    /// histogram, never both.
    var histograms: [FloatHistogram?]? = nil
    /// Whether `__name__` must be dropped from the result (set by functions and arithmetic,
    /// applied at the end as Prometheus 3 does, so `label_replace` can still read it).
    var dropName = false
}

/// A series' values at every step, and which steps have one. Presence is a bit per step kept
/// apart from the floats, so every float a client can send (any NaN payload included) is a value,
/// while the values stay one contiguous array for the loops over them.
struct StepValues: Equatable {
    /// The floats; where a step has no value, whatever was last there (never read).
    private var floats: [Double]
    /// Bit `i % 64` of word `i / 64`: whether step i has a value.
    private var present: [UInt64]

    /// `count` steps, none with a value.
    init(absent count: Int) {
        floats = [Double](repeating: 0, count: count)
        present = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// A value at every step.
    init(_ values: [Double]) {
        floats = values
        present = [UInt64](repeating: UInt64.max, count: (values.count + 63) / 64)
        if values.count % 64 != 0, !present.isEmpty { present[present.count - 1] = (1 << UInt64(values.count % 64)) - 1 }
    }

    /// A value where `values` has one.
    init(_ values: [Double?]) {
        self.init(absent: values.count)
        for (step, value) in values.enumerated() where value != nil { self[step] = value }
    }

    var count: Int { floats.count }
    var indices: Range<Int> { floats.indices }

    @inline(__always) func has(_ step: Int) -> Bool { present[step >> 6] & (1 << UInt64(step & 63)) != 0 }

    subscript(step: Int) -> Double? {
        @inline(__always) get { has(step) ? floats[step] : nil }
        @inline(__always) set {
            if let newValue {
                floats[step] = newValue
                present[step >> 6] |= 1 << UInt64(step & 63)
            } else {
                present[step >> 6] &= ~(1 << UInt64(step & 63))
            }
        }
    }

    /// Fills steps through direct access to the storage (no copy-on-write check per step), for the
    /// loops that write a value at many steps.
    mutating func write<R>(_ body: (inout Writer) throws -> R) rethrows -> R {
        try floats.withUnsafeMutableBufferPointer { floats in
            try present.withUnsafeMutableBufferPointer { present in
                var writer = Writer(floats: floats, present: present)
                return try body(&writer)
            }
        }
    }

    struct Writer {
        let floats: UnsafeMutableBufferPointer<Double>
        let present: UnsafeMutableBufferPointer<UInt64>

        @inline(__always) func set(_ step: Int, _ value: Double) {
            floats[step] = value
            present[step >> 6] |= 1 << UInt64(step & 63)
        }
    }

    /// Whether some step has a value.
    var hasValue: Bool { present.contains { $0 != 0 } }

    /// `transform` of each value (with its step); steps without one stay without.
    func map(_ transform: (Int, Double) throws -> Double) rethrows -> StepValues {
        var out = self
        for step in floats.indices where has(step) { out.floats[step] = try transform(step, floats[step]) }
        return out
    }

    /// `transform` of each value; steps without one stay without.
    func map(_ transform: (Double) throws -> Double) rethrows -> StepValues {
        try map { _, value in try transform(value) }
    }

    /// The steps that have a value, with it.
    var points: some Sequence<(step: Int, value: Double)> {
        floats.indices.lazy.filter { has($0) }.map { (step: $0, value: floats[$0]) }
    }

    static func == (lhs: StepValues, rhs: StepValues) -> Bool {
        lhs.count == rhs.count && lhs.indices.allSatisfy { step in
            lhs[step]?.bitPattern == rhs[step]?.bitPattern
        }
    }
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
