extension FloatHistogram {
    /// The histogram as Prometheus writes it in text (Go's `FloatHistogram.String()`): count, sum
    /// and each bucket that holds something, in ascending order, with its bounds (`[`/`]`
    /// inclusive, `(`/`)` exclusive): `{count:4, sum:5, [-1,-0.5):1, (0.5,1]:2}`. `count_values`
    /// labels histograms with it.
    package var prometheusText: String {
        var parts = ["count:" + GoFloat.formatG(count), "sum:" + GoFloat.formatG(sum)]
        for (index, n) in indexedBuckets(positive: false).reversed() where n != 0 {
            parts.append(Self.text(bucket(index, count: n, positive: false)))
        }
        if zeroCount != 0 { parts.append(Self.text(zeroBucket)) }
        for (index, n) in indexedBuckets(positive: true) where n != 0 {
            parts.append(Self.text(bucket(index, count: n, positive: true)))
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    private static func text(_ bucket: HistogramBucket) -> String {
        (bucket.lowerInclusive ? "[" : "(") + GoFloat.formatG(bucket.lower) + "," + GoFloat.formatG(bucket.upper)
            + (bucket.upperInclusive ? "]" : ")") + ":" + GoFloat.formatG(bucket.count)
    }
}
