extension FloatHistogram {
    /// A classic histogram as a native one with custom buckets (NHCB, schema −53), as Prometheus
    /// converts one: the finite upper bounds become the custom bounds, the cumulative counts become
    /// per-bucket counts (a last bucket up to +Inf holds what `count` has beyond the last bound), and
    /// every bucket is kept, empty ones included. `buckets` must be sorted by bound.
    package static func customBuckets(cumulative buckets: [(bound: Double, count: Double)], count: Double?, sum: Double) -> FloatHistogram {
        var h = FloatHistogram()
        h.schema = customBucketsSchema
        h.customValues = buckets.map(\.bound).filter { $0 != .infinity }
        var previous = 0.0
        var counts: [Double] = []
        counts.reserveCapacity(buckets.count + 1)
        for bucket in buckets {
            counts.append(bucket.count - previous)
            previous = bucket.count
        }
        if buckets.last?.bound != .infinity, let count { counts.append(count - previous) }
        h.positiveSpans = counts.isEmpty ? [] : [HistogramSpan(offset: 0, length: UInt32(counts.count))]
        h.positiveBuckets = counts
        h.count = count ?? previous
        h.sum = sum
        return h
    }
}
