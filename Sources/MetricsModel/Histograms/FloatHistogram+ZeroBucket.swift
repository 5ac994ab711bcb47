extension FloatHistogram {
    /// The zero count the histogram would have with the larger `threshold`, and the threshold
    /// itself, moved up to the end of a populated bucket it would cut through (Prometheus's
    /// `zeroCountForLargerThreshold`).
    func zeroCount(forLargerThreshold larger: Double) -> (count: Double, threshold: Double) {
        if larger == zeroThreshold { return (zeroCount, larger) }
        precondition(larger > zeroThreshold, "a zero threshold only grows")
        var threshold = larger
        searching: while true {
            var total = zeroCount
            for bucket in positiveBucketList {
                if bucket.lower >= threshold { break }
                total += bucket.count
                if bucket.upper > threshold {
                    if bucket.count != 0 { threshold = bucket.upper }
                    break
                }
            }
            for bucket in negativeBucketList {
                if bucket.upper <= -threshold { break }
                total += bucket.count
                if bucket.lower < -threshold {
                    if bucket.count != 0 {
                        // The positive side has to be looked at again with the wider threshold.
                        threshold = -bucket.lower
                        continue searching
                    }
                    break
                }
            }
            return (total, threshold)
        }
    }

    /// Empties and drops the buckets inside the zero bucket, whose counts the zero count already has.
    mutating func trimBucketsInZeroBucket() {
        let threshold = zeroThreshold
        for (position, bucket) in positiveBucketList.enumerated() {
            if bucket.lower >= threshold { break }
            positiveBuckets[position] = 0
        }
        for (position, bucket) in negativeBucketList.enumerated() {
            if bucket.upper <= -threshold { break }
            negativeBuckets[position] = 0
        }
        compact(maxEmptyBuckets: 0)
    }

    /// Widens this histogram's zero bucket, or works out `other`'s, until both have one threshold that
    /// cuts through no populated bucket of either; returns `other`'s zero count at that threshold.
    mutating func reconcileZeroBuckets(_ other: FloatHistogram) -> Double {
        var otherCount = other.zeroCount
        var otherThreshold = other.zeroThreshold
        while otherThreshold != zeroThreshold {
            if zeroThreshold > otherThreshold {
                (otherCount, otherThreshold) = other.zeroCount(forLargerThreshold: zeroThreshold)
            }
            if otherThreshold > zeroThreshold {
                (zeroCount, zeroThreshold) = zeroCount(forLargerThreshold: otherThreshold)
                trimBucketsInZeroBucket()
            }
        }
        return otherCount
    }
}
