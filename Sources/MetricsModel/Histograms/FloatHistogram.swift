/// A native histogram with float counts (Prometheus's `FloatHistogram`): what PromQL computes with
/// and what the store's histograms are read back as. Bucket counts are absolute, not deltas.
///
/// Exponential schemas −4…8 put bucket boundaries at powers of 2^(2^−schema), 1 being a boundary in
/// each: positive bucket `i` holds (b^(i−1), b^i], negative bucket `i` its mirror, and a zero bucket
/// [−zeroThreshold, zeroThreshold] the values near zero. Schema −53 (custom buckets, NHCB) has
/// bucket `i` up to `customValues[i]` and a last one up to +Inf, and no zero or negative buckets.
package struct FloatHistogram: Sendable, Equatable {
    /// Whether the histogram follows a counter reset (or is a gauge), as its source said.
    package enum CounterResetHint: UInt8, Sendable {
        case unknown = 0, reset = 1, notReset = 2, gauge = 3
    }

    package var counterResetHint = CounterResetHint.unknown
    package var schema: Int32 = 0
    package var zeroThreshold = 0.0
    package var zeroCount = 0.0
    package var count = 0.0
    package var sum = 0.0
    package var positiveSpans: [HistogramSpan] = []
    package var negativeSpans: [HistogramSpan] = []
    package var positiveBuckets: [Double] = []
    package var negativeBuckets: [Double] = []
    /// Upper bounds of the custom buckets (schema −53), strictly increasing, +Inf implied last.
    package var customValues: [Double] = []

    package init() {}

    /// The schema of histograms with custom buckets (NHCB).
    package static let customBucketsSchema: Int32 = -53
    /// The exponential schemas.
    package static let exponentialSchemas: ClosedRange<Int32> = -4...8

    package var usesCustomBuckets: Bool { schema == Self.customBucketsSchema }

    /// Bit-exact equality of everything the schema uses (Prometheus's `Equals`); spans are compared by
    /// the layout they describe, so an empty span in between does not matter.
    package static func == (lhs: FloatHistogram, rhs: FloatHistogram) -> Bool {
        guard lhs.schema == rhs.schema, lhs.count.bitPattern == rhs.count.bitPattern, lhs.sum.bitPattern == rhs.sum.bitPattern else { return false }
        if lhs.usesCustomBuckets && lhs.customValues != rhs.customValues { return false }
        guard lhs.zeroThreshold == rhs.zeroThreshold, lhs.zeroCount.bitPattern == rhs.zeroCount.bitPattern else { return false }
        return HistogramSpan.sameLayout(lhs.negativeSpans, rhs.negativeSpans) && HistogramSpan.sameLayout(lhs.positiveSpans, rhs.positiveSpans)
            && lhs.negativeBuckets.map(\.bitPattern) == rhs.negativeBuckets.map(\.bitPattern)
            && lhs.positiveBuckets.map(\.bitPattern) == rhs.positiveBuckets.map(\.bitPattern)
    }

    /// Why the histogram is not a valid one, or nil: spans and buckets must agree, counts must not be
    /// negative, custom bounds must increase and cover the spans.
    package var invalidity: String? {
        if usesCustomBuckets {
            var previous = -Double.infinity
            for bound in customValues {
                if !(bound > previous) { return "custom buckets: bounds must be in strictly increasing order" }
                previous = bound
            }
            if previous == .infinity { return "custom buckets: the last +Inf bound must not be given" }
            if positiveSpans.contains(where: { $0.offset < 0 }) { return "custom buckets: a span has a negative offset" }
            if let problem = HistogramSpan.mismatch(positiveSpans, positiveBuckets.count) { return "custom buckets: \(problem)" }
            let covered = positiveSpans.reduce(0) { $0 + Int($1.offset) + Int($1.length) }
            if customValues.count + 1 < covered { return "custom buckets: \(customValues.count) bounds do not cover spans of \(covered) buckets" }
            if zeroCount != 0 || zeroThreshold != 0 { return "custom buckets: no zero bucket allowed" }
            if !negativeSpans.isEmpty || !negativeBuckets.isEmpty { return "custom buckets: no negative buckets allowed" }
        } else if Self.exponentialSchemas.contains(schema) {
            if negativeSpans.dropFirst().contains(where: { $0.offset < 0 }) { return "negative side: a span has a negative offset" }
            if positiveSpans.dropFirst().contains(where: { $0.offset < 0 }) { return "positive side: a span has a negative offset" }
            if let problem = HistogramSpan.mismatch(negativeSpans, negativeBuckets.count) { return "negative side: \(problem)" }
            if let problem = HistogramSpan.mismatch(positiveSpans, positiveBuckets.count) { return "positive side: \(problem)" }
            if negativeBuckets.contains(where: { $0 < 0 }) { return "negative side: a bucket has a negative observation count" }
            if zeroCount < 0 { return "zero bucket has a negative observation count" }
            if !customValues.isEmpty { return "histogram with exponential schema must not have custom bounds" }
        } else {
            return "histogram has an invalid schema, which must be between -4 and 8 or -53, got \(schema)"
        }
        if count < 0 { return "histogram has a negative observation count" }
        if positiveBuckets.contains(where: { $0 < 0 }) { return "positive side: a bucket has a negative observation count" }
        return nil
    }
}

/// A run of consecutive buckets: `offset` buckets after the previous run's end (or from index 0 for
/// the first run), `length` buckets long.
package struct HistogramSpan: Sendable, Equatable {
    package var offset: Int32
    package var length: UInt32

    package init(offset: Int32, length: UInt32) {
        self.offset = offset
        self.length = length
    }

    /// Whether two span lists describe the same bucket indices, ignoring empty spans.
    static func sameLayout(_ a: [HistogramSpan], _ b: [HistogramSpan]) -> Bool {
        func runs(_ spans: [HistogramSpan]) -> [(start: Int64, length: Int64)] {
            var out: [(start: Int64, length: Int64)] = []
            var index: Int64 = 0
            for span in spans {
                index += Int64(span.offset)
                if span.length > 0 {
                    if let last = out.last, last.start + last.length == index {
                        out[out.count - 1].length += Int64(span.length)
                    } else {
                        out.append((index, Int64(span.length)))
                    }
                }
                index += Int64(span.length)
            }
            return out
        }
        let (x, y) = (runs(a), runs(b))
        return x.count == y.count && zip(x, y).allSatisfy { $0.start == $1.start && $0.length == $1.length }
    }

    /// Why `spans` do not hold `buckets` buckets, or nil.
    package static func mismatch(_ spans: [HistogramSpan], _ buckets: Int) -> String? {
        let needed = spans.reduce(0) { $0 + Int($1.length) }
        return needed == buckets ? nil : "spans need \(needed) buckets, have \(buckets) buckets"
    }

    /// The spans and bucket counts of ascending `(index, count)` pairs, one span per run of
    /// consecutive indices.
    static func layout(_ buckets: [(index: Int32, count: Double)]) -> (spans: [HistogramSpan], counts: [Double]) {
        var spans: [HistogramSpan] = []
        var counts: [Double] = []
        counts.reserveCapacity(buckets.count)
        var next: Int32 = 0
        for (index, count) in buckets {
            if !spans.isEmpty && index == next {
                spans[spans.count - 1].length += 1
            } else {
                spans.append(HistogramSpan(offset: spans.isEmpty ? index : index - next, length: 1))
            }
            counts.append(count)
            next = index &+ 1
        }
        return (spans, counts)
    }
}
