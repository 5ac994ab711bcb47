import MetricsModel

/// The functions that read native histograms and return floats.
extension Evaluation {
    /// `property` of the histogram at each step of each series of `arg`; float steps have none.
    /// The name goes (`histogram_count`, `histogram_sum`, `histogram_avg`, `histogram_stddev`, …).
    mutating func histogramProperty(_ arg: Expr, _ property: (FloatHistogram, Int) -> Double) throws -> StepValue {
        .vector(Self.histogramProperty(try vectorArgument(arg), steps: steps.count, property))
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

    /// `histogram_fraction(lower, upper, v)`.
    mutating func histogramFraction(_ args: [Expr]) throws -> StepValue {
        let lower = try scalarArgument(args[0])
        let upper = try scalarArgument(args[1])
        return try histogramProperty(args[2]) { histogram, step in histogram.fraction(from: lower[step], to: upper[step]) }
    }

    /// The native histograms' quantiles at each step, labelled as their series (name dropped).
    func nativeQuantiles(_ series: [StepSeries], q: [Double]) -> [StepSeries] {
        Self.histogramProperty(series, steps: steps.count) { histogram, step in histogram.quantile(q[step]) }
    }
}
