import Foundation
import MetricsModel

/// The statistics PromQL reads off a native histogram, by Prometheus's rules: within an exponential
/// bucket the observations are taken to spread exponentially (so the middle of (1, 4] is 2), within
/// the zero bucket and custom buckets linearly.
extension FloatHistogram {
    /// The `q` quantile (`histogram_quantile`): −Inf below 0, +Inf above 1, NaN for NaN or no observations.
    func quantile(_ q: Double) -> Double {
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        if count == 0 || q.isNaN { return .nan }
        // From the low end for q < 0.5 (and whenever NaN observations make the buckets hold fewer than
        // the count), else from the high end: the rank is then counted from the top.
        let forward = sum.isNaN || q < 0.5
        let buckets = forward ? statisticsBuckets : statisticsBuckets.reversed()
        var rank = forward ? q * count : (1 - q) * count
        var seen = 0.0
        var chosen: HistogramBucket?
        for bucket in buckets where bucket.count != 0 {
            chosen = bucket
            seen += bucket.count
            if seen >= rank { break }
        }
        guard var bucket = chosen else { return .nan }
        clampZeroBucket(&bucket)
        seen = Swift.min(seen, count)
        // The buckets ran out before the rank: the quantile lies among NaN observations.
        if seen < rank { return .nan }
        rank = forward ? rank - (seen - bucket.count) : seen - rank
        // A bucket reaching to infinity gives its finite bound: nothing to interpolate towards.
        if bucket.lower == -.infinity { return bucket.upper }
        if bucket.upper == .infinity { return bucket.lower }
        return interpolate(bucket, fraction: rank / bucket.count)
    }

    /// The share of observations between `lower` and `upper` (`histogram_fraction`).
    func fraction(from lower: Double, to upper: Double) -> Double {
        if count == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        var rank = 0.0
        var lowerRank: Double?
        var upperRank: Double?
        for var bucket in statisticsBuckets {
            clampZeroBucket(&bucket)
            if lowerRank == nil && bucket.lower >= lower { lowerRank = rank }
            if upperRank == nil && bucket.lower >= upper { upperRank = rank }
            if lowerRank != nil && upperRank != nil { break }
            if lowerRank == nil && bucket.lower < lower && bucket.upper > lower {
                lowerRank = rank + bucket.count * share(of: bucket, below: lower)
            }
            if upperRank == nil && bucket.lower < upper && bucket.upper > upper {
                upperRank = rank + bucket.count * share(of: bucket, below: upper)
            }
            if lowerRank != nil && upperRank != nil { break }
            rank += bucket.count
        }
        // Bounds above every bucket reach the last observation in a bucket: NaN observations (the
        // count beyond the buckets) are in no fraction but the whole.
        let observed = Swift.min(statisticsBuckets.reduce(0) { $0 + $1.count }, count)
        let low = Swift.min(lowerRank ?? observed, observed)
        let high = Swift.min(upperRank ?? observed, observed)
        return (high - low) / count
    }

    /// The variance of the observations, each taken at its bucket's middle (`histogram_stdvar`).
    func variance() -> Double {
        let mean = sum / count
        var total = 0.0
        var compensation = 0.0
        for bucket in allBuckets where bucket.count != 0 {
            let middle: Double
            if usesCustomBuckets {
                middle = (bucket.upper + bucket.lower) / 2
            } else if bucket.lower <= 0 && bucket.upper >= 0 {
                middle = 0
            } else {
                let geometric = (bucket.upper * bucket.lower).squareRoot()
                middle = bucket.upper < 0 ? -geometric : geometric
            }
            let delta = middle - mean
            (total, compensation) = kahanAdd(bucket.count * delta * delta, total, compensation)
        }
        return (total + compensation) / count
    }

    /// The buckets as the statistics read them: a first custom bucket with a positive upper bound
    /// starts at 0 rather than −Inf, as a classic histogram's first bucket does.
    var statisticsBuckets: [HistogramBucket] {
        var buckets = allBuckets
        if usesCustomBuckets, let first = buckets.first, first.index == 0, first.lower == -.infinity, first.upper > 0 {
            buckets[0].lower = 0
        }
        return buckets
    }

    /// The zero bucket of a histogram with buckets on one side only ends at 0 on the other side.
    private func clampZeroBucket(_ bucket: inout HistogramBucket) {
        guard bucket.lower < 0 && bucket.upper > 0 else { return }
        if negativeBuckets.isEmpty && !positiveBuckets.isEmpty { bucket.lower = 0 }
        if positiveBuckets.isEmpty && !negativeBuckets.isEmpty { bucket.upper = 0 }
    }

    /// Whether the bucket's observations spread exponentially: an exponential schema's bucket that
    /// is not the zero bucket (bounds of one sign, neither infinite nor zero).
    private func spreadsExponentially(_ bucket: HistogramBucket) -> Bool {
        !usesCustomBuckets && bucket.lower != 0 && bucket.upper != 0 && (bucket.lower > 0) == (bucket.upper > 0)
            && bucket.lower.isFinite && bucket.upper.isFinite
    }

    /// The value a `fraction` of the way through the bucket's observations.
    private func interpolate(_ bucket: HistogramBucket, fraction: Double) -> Double {
        guard spreadsExponentially(bucket) else { return bucket.lower + (bucket.upper - bucket.lower) * fraction }
        if bucket.lower > 0 { return bucket.lower * Foundation.pow(bucket.upper / bucket.lower, fraction) }
        // A negative bucket mirrors a positive one: its observations crowd towards zero.
        return -(-bucket.upper * Foundation.pow(bucket.lower / bucket.upper, 1 - fraction))
    }

    /// The share of the bucket's observations below `value`, which lies inside it. A bucket reaching
    /// to infinity is not interpolated over: its observations are taken to lie at the infinite end
    /// (all below the value for −Inf, none for +Inf).
    private func share(of bucket: HistogramBucket, below value: Double) -> Double {
        if bucket.lower == -.infinity { return 1 }
        if bucket.upper == .infinity { return 0 }
        guard spreadsExponentially(bucket) else { return (value - bucket.lower) / (bucket.upper - bucket.lower) }
        if bucket.lower > 0 { return Foundation.log(value / bucket.lower) / Foundation.log(bucket.upper / bucket.lower) }
        return 1 - Foundation.log(value / bucket.upper) / Foundation.log(bucket.lower / bucket.upper)
    }
}
