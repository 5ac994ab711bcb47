import Foundation
import MetricsModel

/// The trim operators (`h </ x`, `h >/ x`): a histogram with only the observations below (or above)
/// a threshold. A bucket the threshold cuts keeps the share interpolated as the statistics
/// interpolate (exponentially in exponential buckets, linearly in the zero bucket and custom
/// buckets); when anything is cut, the sum is estimated again from what is left, each bucket's
/// observations taken at the middle of its kept part.
extension FloatHistogram {
    enum TrimSide { case upper, lower }

    /// One bucket for trimming: its bounds (the zero bucket narrowed to the side that has buckets)
    /// and whether it spreads exponentially.
    private struct TrimBucket {
        var lower: Double
        var upper: Double
        var count: Double
        var exponential: Bool
        /// Where the count goes back to: the zero count, or a position in the positive or negative buckets.
        enum Slot { case zero, positive(Int), negative(Int) }
        var slot: Slot
    }

    func trimmed(_ side: TrimSide, at threshold: Double) -> FloatHistogram {
        guard !threshold.isNaN else { return self }
        var buckets: [TrimBucket] = []
        if usesCustomBuckets {
            for (position, (index, count)) in indexedBuckets(positive: true).enumerated() {
                var lower = Self.bound(index - 1, schema: schema, customValues: customValues)
                let upper = Self.bound(index, schema: schema, customValues: customValues)
                // A first bucket with a positive bound starts at 0, except for a lower trim below 0.
                if index == 0 && upper > 0 && upper.isFinite && !(side == .lower && threshold < 0) { lower = 0 }
                buckets.append(TrimBucket(lower: lower, upper: upper, count: count, exponential: false, slot: .positive(position)))
            }
        } else {
            for (position, (index, count)) in indexedBuckets(positive: false).enumerated() {
                buckets.append(TrimBucket(lower: -Self.bound(index, schema: schema), upper: -Self.bound(index - 1, schema: schema),
                                          count: count, exponential: true, slot: .negative(position)))
            }
            let positiveOnly = negativeBuckets.isEmpty && !positiveBuckets.isEmpty
            let negativeOnly = positiveBuckets.isEmpty && !negativeBuckets.isEmpty
            buckets.append(TrimBucket(lower: positiveOnly ? 0 : -zeroThreshold, upper: negativeOnly ? 0 : zeroThreshold,
                                      count: zeroCount, exponential: false, slot: .zero))
            for (position, (index, count)) in indexedBuckets(positive: true).enumerated() {
                buckets.append(TrimBucket(lower: Self.bound(index - 1, schema: schema), upper: Self.bound(index, schema: schema),
                                          count: count, exponential: true, slot: .positive(position)))
            }
        }
        var result = self
        var total = 0.0
        var estimatedSum = 0.0
        var cut = false
        for bucket in buckets {
            let (kept, middle) = Self.keep(bucket, side, threshold)
            if kept != bucket.count { cut = true }
            switch bucket.slot {
            case .zero: result.zeroCount = kept
            case .positive(let position): result.positiveBuckets[position] = kept
            case .negative(let position): result.negativeBuckets[position] = kept
            }
            total += kept
            if kept != 0 { estimatedSum += kept * middle }
        }
        guard cut else { return self }
        result.count = total
        result.sum = estimatedSum
        return result
    }

    /// How many of the bucket's observations are kept, and the value they are taken at.
    private static func keep(_ bucket: TrimBucket, _ side: TrimSide, _ threshold: Double) -> (Double, Double) {
        let (lower, upper) = (bucket.lower, bucket.upper)
        // The kept part of the bucket.
        let from = side == .lower ? Swift.max(lower, threshold) : lower
        let to = side == .upper ? Swift.min(upper, threshold) : upper
        if bucket.count == 0 { return (0, 0) }
        if side == .upper ? threshold <= lower : threshold >= upper {
            // Nothing kept (a bucket of one point at the threshold keeps it).
            return lower == upper && threshold == lower ? (bucket.count, lower) : (0, 0)
        }
        let whole = from == lower && to == upper
        if lower.isInfinite || upper.isInfinite {
            if whole { return (bucket.count, lower.isInfinite ? (upper.isInfinite ? 0 : upper) : lower) }
            // Cut: kept whole (at the threshold) when the part kept reaches the infinite end, else dropped.
            if lower.isInfinite && upper.isInfinite { return (0, 0) }
            let reachesInfinity = (from == -.infinity) || (to == .infinity)
            return reachesInfinity ? (bucket.count, threshold) : (0, 0)
        }
        let share: Double
        if whole {
            share = 1
        } else if bucket.exponential {
            // Exponential spread: the share is a ratio of logarithms (of magnitudes, for negative buckets).
            share = Foundation.log(to / from) / Foundation.log(upper / lower)
        } else {
            share = (to - from) / (upper - lower)
        }
        let middle = bucket.exponential ? (from < 0 ? -(from * to).squareRoot() : (from * to).squareRoot()) : (from + to) / 2
        return (bucket.count * share, middle)
    }
}
