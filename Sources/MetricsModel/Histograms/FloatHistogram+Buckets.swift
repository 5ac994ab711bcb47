import Foundation

/// One bucket of a histogram: its bounds, which of them belong to it, its count and its index
/// within the schema (meaningless for the zero bucket).
package struct HistogramBucket: Sendable, Equatable {
    package var lower: Double
    package var upper: Double
    package var lowerInclusive: Bool
    package var upperInclusive: Bool
    package var count: Double
    package var index: Int32
}

extension FloatHistogram {
    /// The upper bound of bucket `index` (the lower bound of bucket `index + 1`). Exponential
    /// schemas: 2^(index·2^−schema), except that the last bucket of finite values ends at the
    /// largest finite float and the one above it (for ±Inf observations) at +Inf. Custom buckets:
    /// `customValues[index]`, +Inf past the last, −Inf below the first.
    package static func bound(_ index: Int32, schema: Int32, customValues: [Double] = []) -> Double {
        if schema == customBucketsSchema {
            if index >= Int32(customValues.count) { return .infinity }
            if index < 0 { return -.infinity }
            return customValues[Int(index)]
        }
        if schema < 0 {
            let exponent = Int(index) << Int(-schema)
            if exponent == 1024 { return .greatestFiniteMagnitude }
            return exponent > 1024 ? .infinity : Foundation.scalbn(1.0, exponent)
        }
        let perPower = Int(1) << Int(schema)
        let fraction = fractions[Int(schema)][Int(index) & (perPower - 1)]
        let exponent = (Int(index) >> Int(schema)) + 1
        if fraction == 0.5 && exponent == 1025 { return .greatestFiniteMagnitude }
        return Foundation.scalbn(fraction, exponent)
    }

    /// The bucket boundaries within [0.5, 1) of each schema 0…8: 2^(i·2^−schema − 1).
    private static let fractions: [[Double]] = (0...8).map { schema in
        (0..<(1 << schema)).map { Foundation.exp2(Double($0) / Double(1 << schema)) / 2 }
    }

    /// The index a bucket of `schema` falls into in the coarser `target` schema.
    @inline(__always) static func targetIndex(_ index: Int32, from schema: Int32, to target: Int32) -> Int32 {
        ((index - 1) >> (schema - target)) + 1
    }

    /// The populated and empty buckets of one side as ascending `(index, count)` pairs, merged into
    /// the coarser `targetSchema` and, for exponential schemas, without those whose upper bound is
    /// ≤ `above`.
    package func indexedBuckets(positive: Bool, targetSchema: Int32? = nil, above threshold: Double = 0) -> [(index: Int32, count: Double)] {
        let spans = positive ? positiveSpans : negativeSpans
        let counts = positive ? positiveBuckets : negativeBuckets
        let target = targetSchema ?? schema
        var out: [(index: Int32, count: Double)] = []
        out.reserveCapacity(counts.count)
        var index: Int32 = 0
        var position = 0
        for (spanNumber, span) in spans.enumerated() {
            index = spanNumber == 0 ? span.offset : index &+ span.offset
            for _ in 0..<span.length {
                guard position < counts.count else { return out }
                let merged = target == schema ? index : Self.targetIndex(index, from: schema, to: target)
                if let last = out.last, last.index == merged {
                    out[out.count - 1].count += counts[position]
                } else {
                    out.append((merged, counts[position]))
                }
                index &+= 1
                position += 1
            }
        }
        guard threshold != 0, target != Self.customBucketsSchema else { return out }
        guard let first = out.firstIndex(where: { Self.bound($0.index, schema: target) > threshold }) else { return [] }
        return Array(out[first...])
    }

    /// The bucket at `index` of one side with its bounds.
    func bucket(_ index: Int32, count: Double, positive: Bool) -> HistogramBucket {
        var bucket = HistogramBucket(lower: 0, upper: 0, lowerInclusive: false, upperInclusive: false, count: count, index: index)
        if positive {
            bucket.upper = Self.bound(index, schema: schema, customValues: customValues)
            bucket.lower = Self.bound(index - 1, schema: schema, customValues: customValues)
        } else {
            bucket.lower = -Self.bound(index, schema: schema)
            bucket.upper = -Self.bound(index - 1, schema: schema)
        }
        if usesCustomBuckets {
            bucket.lowerInclusive = index == 0
            bucket.upperInclusive = true
        } else {
            bucket.lowerInclusive = bucket.lower < 0
            bucket.upperInclusive = bucket.upper > 0
        }
        return bucket
    }

    /// The zero bucket, [−zeroThreshold, zeroThreshold].
    package var zeroBucket: HistogramBucket {
        HistogramBucket(lower: -zeroThreshold, upper: zeroThreshold, lowerInclusive: true, upperInclusive: true, count: zeroCount, index: 0)
    }

    /// Every bucket in ascending order of value: negative buckets (most negative first), the zero
    /// bucket when it holds anything, positive buckets; a bucket overlapping the zero bucket starts
    /// or ends at its edge.
    package var allBuckets: [HistogramBucket] {
        var out: [HistogramBucket] = []
        for (index, count) in indexedBuckets(positive: false).reversed() {
            var bucket = bucket(index, count: count, positive: false)
            if bucket.upper < 0 && bucket.upper > -zeroThreshold { bucket.upper = -zeroThreshold }
            out.append(bucket)
        }
        if zeroCount > 0 { out.append(zeroBucket) }
        for (index, count) in indexedBuckets(positive: true) {
            var bucket = bucket(index, count: count, positive: true)
            if bucket.lower > 0 && bucket.lower < zeroThreshold { bucket.lower = zeroThreshold }
            out.append(bucket)
        }
        return out
    }

    /// The positive buckets in ascending order.
    package var positiveBucketList: [HistogramBucket] {
        indexedBuckets(positive: true).map { bucket($0.index, count: $0.count, positive: true) }
    }

    /// The negative buckets from the zero bucket downwards.
    package var negativeBucketList: [HistogramBucket] {
        indexedBuckets(positive: false).map { bucket($0.index, count: $0.count, positive: false) }
    }
}
