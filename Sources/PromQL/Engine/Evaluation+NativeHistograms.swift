import MetricsModel

/// The functions that read native histograms and return floats.
extension Evaluation {
    /// `property` of the histogram at each step of each series of `arg`; float steps have none.
    /// The name goes (`histogram_count`, `histogram_sum`, `histogram_avg`, `histogram_stddev`, …).
    mutating func histogramProperty(_ arg: Expr, statistics: Bool = false, _ property: (FloatHistogram, Int) -> Double) throws -> StepValue {
        let outer = statisticsDecoding
        statisticsDecoding = outer || statistics
        defer { statisticsDecoding = outer }
        return .vector(Self.histogramProperty(try vectorArgument(arg), steps: steps.count, property))
    }

    static func histogramProperty(_ series: [StepSeries], steps: Int, _ property: (FloatHistogram, Int) -> Double) -> [StepSeries] {
        var out: [StepSeries] = []
        for item in series {
            guard let histograms = item.histograms else { continue }
            var values = StepValues(absent: steps)
            for (step, histogram) in histograms.enumerated() {
                if let histogram { values[step] = property(histogram, step) }
            }
            if values.hasValue { out.append(StepSeries(labels: item.labels, values: values, dropName: true)) }
        }
        return out
    }

    /// `histogram_fraction(lower, upper, v)`, over native histograms and over classic ones (`_bucket`
    /// series grouped without `le`, read as custom buckets).
    mutating func histogramFraction(_ args: [Expr], _ positions: SourcePositions) throws -> StepValue {
        let lower = try scalarArgument(args[0])
        let upper = try scalarArgument(args[1])
        let series = try vectorArgument(args[2])
        var out = Self.histogramProperty(series, steps: steps.count) { histogram, step in histogram.fraction(from: lower[step], to: upper[step]) }
        noteNaNObservations(series, function: "histogram_fraction", at: positions[2])
        var classics: [StepSeries] = []
        for classic in classicHistograms(series, at: positions[2]) {
            var values = StepValues(absent: steps.count)
            for step in 0..<steps.count {
                let buckets = classic.buckets.compactMap { bound, index in series[index].values[step].map { (bound: bound, count: $0) } }
                guard !buckets.isEmpty else { continue }
                // Without a +Inf bucket the fraction is NaN, as the quantile is.
                values[step] = Self.customBuckets(buckets)?.fraction(from: lower[step], to: upper[step]) ?? .nan
            }
            if values.hasValue { classics.append(StepSeries(labels: classic.labels, values: values, dropName: true)) }
        }
        dropMixedHistograms(&out, &classics, at: positions[2])
        return .vector(out + classics)
    }

    /// Cumulative classic buckets, sorted by bound, as a histogram with custom buckets; nil without a
    /// +Inf bucket.
    static func customBuckets(_ cumulative: [(bound: Double, count: Double)]) -> FloatHistogram? {
        guard let last = cumulative.last, last.bound == .infinity else { return nil }
        var histogram = FloatHistogram()
        histogram.schema = FloatHistogram.customBucketsSchema
        histogram.customValues = cumulative.dropLast().map(\.bound)
        var previous = 0.0
        histogram.positiveBuckets = cumulative.map { bucket in
            defer { previous = bucket.count }
            return bucket.count - previous
        }
        histogram.positiveSpans = [HistogramSpan(offset: 0, length: UInt32(cumulative.count))]
        histogram.count = last.count
        return histogram
    }

    /// The native histograms' quantiles at each step, labelled as their series (name dropped).
    func nativeQuantiles(_ series: [StepSeries], q: [Double]) -> [StepSeries] {
        Self.histogramProperty(series, steps: steps.count) { histogram, step in histogram.quantile(q[step]) }
    }
}

extension Evaluation {
    /// Where a native histogram and a classic one (its `_bucket` series without `le`) carry the same
    /// labels, neither gives a result at a step where both have one, with Prometheus's warning: the
    /// two would be one series of the output.
    func dropMixedHistograms(_ natives: inout [StepSeries], _ classics: inout [StepSeries], at offset: Int?) {
        guard !natives.isEmpty && !classics.isEmpty else { return }
        var nativeRow: [Labels: Int] = [:]
        for (index, item) in natives.enumerated() { nativeRow[item.labels] = index }
        for row in classics.indices {
            guard let other = nativeRow[classics[row].labels] else { continue }
            var mixed = false
            for step in 0..<steps.count where classics[row].values[step] != nil && natives[other].values[step] != nil {
                classics[row].values[step] = nil
                natives[other].values[step] = nil
                mixed = true
            }
            if mixed { warn("vector contains a mix of classic and native histograms for metric name \(goQuote(classics[row].labels.metricName))", at: offset) }
        }
        natives.removeAll { !$0.values.hasValue }
        classics.removeAll { !$0.values.hasValue }
    }
}

extension Evaluation {
    /// The info Prometheus gives when a native histogram holds NaN observations (its sum is NaN and
    /// its buckets hold fewer observations than its count): for a quantile, whether the result is NaN
    /// or skewed higher; for a fraction, that they are left out of it.
    func noteNaNObservations(_ series: [StepSeries], function: String, q: [Double]? = nil, at position: Int?) {
        for item in series {
            guard let histograms = item.histograms else { continue }
            for (step, histogram) in histograms.enumerated() {
                guard let histogram, histogram.hasNaNObservations else { continue }
                let name = goQuote(item.labels.metricName)
                if let q {
                    let outcome = histogram.quantile(q[step]).isNaN ? "result is NaN" : "result is skewed higher"
                    inform("input to histogram_quantile has NaN observations, \(outcome) for metric name \(name)", at: position)
                } else {
                    inform("input to \(function) has NaN observations, which are excluded from all fractions for metric name \(name)", at: position)
                }
            }
        }
    }
}

extension FloatHistogram {
    /// Whether some observations were NaN: the sum is NaN and the buckets hold fewer than the count.
    var hasNaNObservations: Bool {
        guard sum.isNaN, !StaleMarker.isStale(sum) else { return false }
        return zeroCount + positiveBuckets.reduce(0, +) + negativeBuckets.reduce(0, +) < count
    }
}
