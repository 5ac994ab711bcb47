/// Why two histograms cannot be combined (Prometheus's texts).
package enum HistogramError: Error, Sendable, Equatable, CustomStringConvertible {
    case mixedSchemas

    package var description: String {
        switch self {
        case .mixedSchemas: "cannot apply this operation on histograms with a mix of exponential and custom bucket schemas"
        }
    }
}

/// What combining two histograms had to paper over, for PromQL's annotations.
package struct HistogramCombination: Sendable, Equatable {
    /// One said "counter reset", the other "no counter reset"; the result says "unknown".
    package var counterResetCollision = false
    /// Custom bucket bounds differed; the result has the bounds both share.
    package var customBoundsReconciled = false
}

extension FloatHistogram {
    /// Adds `other` bucket by bucket (Prometheus's `Add`): the coarser schema and the wider zero
    /// bucket win; custom bounds that differ are reduced to those both have.
    @discardableResult
    package mutating func add(_ other: FloatHistogram) throws(HistogramError) -> HistogramCombination {
        try combine(other, sign: 1)
    }

    /// Subtracts `other` bucket by bucket, as `add` adds. The `-` operator also marks the result a gauge.
    @discardableResult
    package mutating func subtract(_ other: FloatHistogram) throws(HistogramError) -> HistogramCombination {
        try combine(other, sign: -1)
    }

    /// Multiplies every count and the sum; a negative factor makes the histogram a gauge.
    package mutating func multiply(by factor: Double) {
        zeroCount *= factor
        count *= factor
        sum *= factor
        for index in positiveBuckets.indices { positiveBuckets[index] *= factor }
        for index in negativeBuckets.indices { negativeBuckets[index] *= factor }
        if factor < 0 { counterResetHint = .gauge }
    }

    /// Divides every count and the sum; dividing by zero also removes every bucket, and a negative
    /// divisor makes the histogram a gauge.
    package mutating func divide(by divisor: Double) {
        zeroCount /= divisor
        count /= divisor
        sum /= divisor
        if divisor == 0 {
            positiveBuckets = []
            negativeBuckets = []
            positiveSpans = []
            negativeSpans = []
            return
        }
        for index in positiveBuckets.indices { positiveBuckets[index] /= divisor }
        for index in negativeBuckets.indices { negativeBuckets[index] /= divisor }
        if divisor < 0 { counterResetHint = .gauge }
    }

    private mutating func combine(_ other: FloatHistogram, sign: Double) throws(HistogramError) -> HistogramCombination {
        guard usesCustomBuckets == other.usesCustomBuckets else { throw .mixedSchemas }
        var notes = HistogramCombination()
        notes.counterResetCollision = adjustCounterResetHint(other)
        count += sign * other.count
        sum += sign * other.sum
        if usesCustomBuckets {
            if customValues == other.customValues {
                (positiveSpans, positiveBuckets) = Self.merged(indexedBuckets(positive: true), other.indexedBuckets(positive: true), sign: sign)
            } else {
                notes.customBoundsReconciled = true
                let shared = Self.sharedBounds(customValues, other.customValues)
                var counts = [Double](repeating: 0, count: shared.count + 1)
                Self.map(self, to: shared, sign: 1, into: &counts)
                Self.map(other, to: shared, sign: sign, into: &counts)
                (positiveSpans, positiveBuckets) = HistogramSpan.layout(counts.enumerated().filter { $0.element != 0 }.map { (Int32($0.offset), $0.element) })
                customValues = shared
            }
            return notes
        }
        zeroCount += sign * reconcileZeroBuckets(other)
        let target = min(schema, other.schema)
        for positive in [true, false] {
            let (spans, counts) = Self.merged(
                indexedBuckets(positive: positive, targetSchema: target),
                other.indexedBuckets(positive: positive, targetSchema: target, above: zeroThreshold), sign: sign)
            if positive { (positiveSpans, positiveBuckets) = (spans, counts) } else { (negativeSpans, negativeBuckets) = (spans, counts) }
        }
        schema = target
        return notes
    }

    /// The counter reset hint of a sum or difference (Prometheus's `adjustCounterReset`); true for
    /// a collision of "reset" with "not reset".
    private mutating func adjustCounterResetHint(_ other: FloatHistogram) -> Bool {
        switch (counterResetHint, other.counterResetHint) {
        case let (mine, theirs) where mine == theirs: return false
        case (.gauge, _): return false
        case (_, .gauge): counterResetHint = .gauge; return false
        case (.unknown, _): return false
        case (_, .unknown): counterResetHint = .unknown; return false
        default:
            counterResetHint = .unknown
            return true
        }
    }

    /// Two ascending bucket lists summed index by index (the second times `sign`), as spans and counts.
    static func merged(_ a: [(index: Int32, count: Double)], _ b: [(index: Int32, count: Double)], sign: Double) -> ([HistogramSpan], [Double]) {
        var out: [(index: Int32, count: Double)] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].index < b[j].index) {
                out.append(a[i])
                i += 1
            } else if i == a.count || b[j].index < a[i].index {
                out.append((b[j].index, sign * b[j].count))
                j += 1
            } else {
                out.append((a[i].index, a[i].count + sign * b[j].count))
                i += 1
                j += 1
            }
        }
        let layout = HistogramSpan.layout(out)
        return (layout.spans, layout.counts)
    }

    /// The bounds two custom-bucket layouts share.
    static func sharedBounds(_ a: [Double], _ b: [Double]) -> [Double] {
        var shared: [Double] = []
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                shared.append(a[i])
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return shared
    }

    /// Adds `histogram`'s custom buckets (times `sign`) into `counts`, the buckets of the coarser
    /// `bounds`: each goes to the first bound at or above its own, or to the +Inf bucket.
    static func map(_ histogram: FloatHistogram, to bounds: [Double], sign: Double, into counts: inout [Double]) {
        var cursor = 0
        for (index, count) in histogram.indexedBuckets(positive: true) {
            var target = bounds.count
            if Int(index) < histogram.customValues.count {
                let own = histogram.customValues[Int(index)]
                while cursor < bounds.count && bounds[cursor] < own { cursor += 1 }
                if cursor < bounds.count { target = cursor }
            }
            counts[target] += sign * count
        }
    }
}
