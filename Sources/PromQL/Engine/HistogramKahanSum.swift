import MetricsModel

/// A running sum of native histograms with Kahan compensation, as Prometheus sums them for `sum`,
/// `avg`, `sum_over_time` and `avg_over_time`: the count, the sum, and (while the layout holds) the
/// zero bucket and every bucket each carry their own compensation, so adding 1e100, 1 and −1e100
/// leaves 1. A change of layout folds the buckets' compensation in and starts afresh.
struct HistogramKahanSum {
    private(set) var total: FloatHistogram
    private var countCompensation = 0.0
    private var sumCompensation = 0.0
    private var zeroCompensation = 0.0
    /// Per bucket of `total`'s layout; empty when nothing is owed.
    private var positiveCompensation: [Double] = []
    private var negativeCompensation: [Double] = []
    private(set) var added = 1

    init(_ first: FloatHistogram) { total = first }

    /// Adds `histogram`, saying what combining them noted.
    mutating func add(_ histogram: FloatHistogram) throws(HistogramError) -> HistogramCombination {
        let before = total
        let sameLayout = Self.sameLayout(before, histogram)
        if !sameLayout { foldBuckets() }
        let notes = try total.add(histogram)
        added += 1
        (total.count, countCompensation) = kahanAdd(histogram.count, before.count, countCompensation)
        (total.sum, sumCompensation) = kahanAdd(histogram.sum, before.sum, sumCompensation)
        if before.zeroThreshold == histogram.zeroThreshold && total.zeroThreshold == before.zeroThreshold {
            (total.zeroCount, zeroCompensation) = kahanAdd(histogram.zeroCount, before.zeroCount, zeroCompensation)
        } else {
            total.zeroCount += zeroCompensation
            zeroCompensation = 0
        }
        if sameLayout && Self.sameLayout(total, before) {
            if positiveCompensation.isEmpty { positiveCompensation = Array(repeating: 0, count: total.positiveBuckets.count) }
            if negativeCompensation.isEmpty { negativeCompensation = Array(repeating: 0, count: total.negativeBuckets.count) }
            for index in total.positiveBuckets.indices {
                (total.positiveBuckets[index], positiveCompensation[index]) =
                    kahanAdd(histogram.positiveBuckets[index], before.positiveBuckets[index], positiveCompensation[index])
            }
            for index in total.negativeBuckets.indices {
                (total.negativeBuckets[index], negativeCompensation[index]) =
                    kahanAdd(histogram.negativeBuckets[index], before.negativeBuckets[index], negativeCompensation[index])
            }
        }
        return notes
    }

    /// The sum with every compensation applied.
    var result: FloatHistogram {
        var copy = self
        copy.foldBuckets()
        var h = copy.total
        h.count += countCompensation
        h.sum += sumCompensation
        h.zeroCount += zeroCompensation
        return h
    }

    private mutating func foldBuckets() {
        if positiveCompensation.count == total.positiveBuckets.count {
            for index in total.positiveBuckets.indices { total.positiveBuckets[index] += positiveCompensation[index] }
        }
        if negativeCompensation.count == total.negativeBuckets.count {
            for index in total.negativeBuckets.indices { total.negativeBuckets[index] += negativeCompensation[index] }
        }
        positiveCompensation = []
        negativeCompensation = []
    }

    /// Same schema, zero threshold, custom bounds and spans: buckets line up one to one.
    static func sameLayout(_ a: FloatHistogram, _ b: FloatHistogram) -> Bool {
        a.schema == b.schema && a.zeroThreshold == b.zeroThreshold && a.customValues == b.customValues
            && a.positiveSpans == b.positiveSpans && a.negativeSpans == b.negativeSpans
            && a.positiveBuckets.count == b.positiveBuckets.count && a.negativeBuckets.count == b.negativeBuckets.count
    }
}

extension HistogramKahanSum {
    /// The mean of `histograms` (at least one): their Kahan sum divided by their number; where that
    /// overflows (a field or bucket at a time), the running mean (`mean += h/n − mean/n`), which
    /// stays finite where the sum does not, as Prometheus averages floats.
    static func mean(_ histograms: [FloatHistogram]) throws(HistogramError) -> FloatHistogram {
        var total = HistogramKahanSum(histograms[0])
        for histogram in histograms.dropFirst() { _ = try total.add(histogram) }
        var result = total.result
        result.divide(by: Double(histograms.count))
        guard result.overflowed && !histograms.contains(where: \.overflowed) else { return result }
        var mean = HistogramKahanSum(histograms[0])
        for (index, histogram) in histograms.enumerated().dropFirst() {
            let count = Double(index + 1)
            var step = histogram
            step.divide(by: count)
            var share = mean.total
            share.divide(by: count)
            _ = try step.subtract(share)
            _ = try mean.add(step)
        }
        let running = mean.result
        func pick(_ summed: Double, _ incremental: Double) -> Double { summed.isInfinite ? incremental : summed }
        result.count = pick(result.count, running.count)
        result.sum = pick(result.sum, running.sum)
        result.zeroCount = pick(result.zeroCount, running.zeroCount)
        guard sameLayout(result, running) else { return running }
        for index in result.positiveBuckets.indices { result.positiveBuckets[index] = pick(result.positiveBuckets[index], running.positiveBuckets[index]) }
        for index in result.negativeBuckets.indices { result.negativeBuckets[index] = pick(result.negativeBuckets[index], running.negativeBuckets[index]) }
        return result
    }
}

extension FloatHistogram {
    /// Whether a count, the sum or a bucket is infinite.
    var overflowed: Bool {
        count.isInfinite || sum.isInfinite || zeroCount.isInfinite
            || positiveBuckets.contains(where: \.isInfinite) || negativeBuckets.contains(where: \.isInfinite)
    }
}
