import MetricsModel

/// Histograms for the storage tests: a counter histogram that grows step by step.
enum HistogramFixtures {
    /// An exponential counter histogram at step `i`: integer counts, negative and positive buckets,
    /// a zero bucket, and a gap between positive spans.
    static func exponential(_ i: Int, schema: Int32 = 1) -> FloatHistogram {
        var h = FloatHistogram()
        h.schema = schema
        h.zeroThreshold = 0.001
        h.zeroCount = Double(i)
        h.positiveSpans = [HistogramSpan(offset: -1, length: 3), HistogramSpan(offset: 2, length: 2)]
        h.positiveBuckets = (0..<5).map { Double(i * ($0 + 1)) }
        h.negativeSpans = [HistogramSpan(offset: 0, length: 1)]
        h.negativeBuckets = [Double(2 * i)]
        h.count = h.zeroCount + h.positiveBuckets.reduce(0, +) + h.negativeBuckets.reduce(0, +)
        h.sum = Double(i) * 12.375
        return h
    }

    /// A histogram with custom buckets (schema −53) and fractional counts.
    static func custom(_ i: Int) -> FloatHistogram {
        var h = FloatHistogram()
        h.schema = FloatHistogram.customBucketsSchema
        h.customValues = [0.1, 0.5, 1, 5]
        h.positiveSpans = [HistogramSpan(offset: 0, length: 5)]
        h.positiveBuckets = (0..<5).map { Double(i) * 0.3 + Double($0) }
        h.count = h.positiveBuckets.reduce(0, +)
        h.sum = Double(i) / 3
        h.counterResetHint = .gauge
        return h
    }

    static func samples(_ count: Int, start: Int64 = 0, step: Int64 = 15_000, _ make: (Int) -> FloatHistogram = { exponential($0) }) -> [HistogramSample] {
        (0..<count).map { HistogramSample(timestamp: start + Int64($0) * step, histogram: make($0)) }
    }
}
