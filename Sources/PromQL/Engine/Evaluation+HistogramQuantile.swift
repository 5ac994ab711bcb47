import MetricsModel

/// `histogram_quantile` and `histogram_quantiles` over classic histograms: `_bucket` series that
/// differ only in their `le` label form one histogram.
extension Evaluation {
    /// One classic histogram: its labels without `le` (the name still on, so two histograms that
    /// differ only by name collide at the end, as in Prometheus) and each bucket's bound and series.
    struct ClassicHistogram {
        var labels: Labels
        var buckets: [(bound: Double, index: Int)]
    }

    mutating func histogramQuantile(_ args: [Expr], _ positions: SourcePositions) throws -> StepValue {
        let q = try scalarArgument(args[0])
        for value in Set(q.map(\.bitPattern)).map(Double.init(bitPattern:)) { checkQuantile(value, at: positions[0]) }
        let series = try vectorArgument(args[1])
        let histograms = classicHistograms(series, at: positions[1])
        var out = nativeQuantiles(series, q: q)
        noteNaNObservations(series, function: "histogram_quantile", q: q, at: positions[1])
        var classics: [StepSeries] = []
        for histogram in histograms {
            let values = quantiles(of: histogram, series, q: q, at: positions[1])
            if values.hasValue { classics.append(StepSeries(labels: histogram.labels, values: values, dropName: true)) }
        }
        dropMixedHistograms(&out, &classics, at: positions[1])
        return .vector(out + classics)
    }

    /// `histogram_quantiles(v, "label", q1, q2, …)`: one series per histogram and quantile, the
    /// quantile (OpenMetrics form) in `label`.
    mutating func histogramQuantiles(_ args: [Expr], _ positions: SourcePositions) throws -> StepValue {
        let series = try vectorArgument(args[0])
        var inner = args[1]
        while case .paren(let e) = inner { inner = e }
        guard case .string(let label) = inner else { throw EvaluationError("expected a string argument") }
        guard Evaluation.isValidLabelName(label) else { throw EvaluationError("invalid quantile label name: \(goQuote(label))") }
        var levels: [(q: [Double], offset: Int?)] = []
        for index in 2..<args.count {
            let q = try scalarArgument(args[index])
            for value in Set(q.map(\.bitPattern)).map(Double.init(bitPattern:)) { checkQuantile(value, at: positions[index]) }
            levels.append((q, positions[index]))
        }
        let histograms = classicHistograms(series, at: positions[0])
        var natives: [StepSeries] = []
        for level in levels {
            noteNaNObservations(series, function: "histogram_quantile", q: level.q, at: positions[0])
            for var native in nativeQuantiles(series, q: level.q) {
                var builder = LabelsBuilder(native.labels)
                builder.set(label, GoFloat.formatOpenMetrics(level.q[0]))
                native.labels = builder.labels()
                natives.append(native)
            }
        }
        var classics: [StepSeries] = []
        for histogram in histograms {
            for level in levels {
                let values = quantiles(of: histogram, series, q: level.q, at: positions[0])
                guard values.hasValue else { continue }
                // Labelled by the quantile asked for at the first step (a constant in practice).
                var builder = LabelsBuilder(histogram.labels)
                builder.set(label, GoFloat.formatOpenMetrics(level.q[0]))
                classics.append(StepSeries(labels: builder.labels(), values: values, dropName: true))
            }
        }
        dropMixedHistograms(&natives, &classics, at: positions[0])
        return .vector(natives + classics)
    }

    /// Groups bucket series into histograms; a series without a numeric `le` is left out with a warning.
    func classicHistograms(_ series: [StepSeries], at offset: Int?) -> [ClassicHistogram] {
        var byLabels: [Labels: Int] = [:]
        var histograms: [ClassicHistogram] = []
        for (index, item) in series.enumerated() {
            // A series of native histograms alone is no bucket of a classic one.
            if item.histograms != nil && !item.values.hasValue { continue }
            guard let le = item.labels[LabelNames.bucket], case .success(let bound) = GoFloat.parse(le) else {
                badBucketLabel(item.labels, at: offset)
                continue
            }
            var builder = LabelsBuilder(item.labels)
            builder.delete(LabelNames.bucket)
            let labels = builder.labels()
            if let position = byLabels[labels] {
                histograms[position].buckets.append((bound, index))
            } else {
                byLabels[labels] = histograms.count
                histograms.append(ClassicHistogram(labels: labels, buckets: [(bound, index)]))
            }
        }
        for index in histograms.indices { histograms[index].buckets.sort { $0.bound < $1.bound } }
        return histograms
    }

    private func quantiles(of histogram: ClassicHistogram, _ series: [StepSeries], q: [Double], at offset: Int?) -> StepValues {
        var values = StepValues(absent: steps.count)
        for step in 0..<steps.count {
            let present = histogram.buckets.compactMap { bound, index -> (bound: Double, count: Double)? in
                series[index].values[step].map { (bound, $0) }
            }
            guard !present.isEmpty else { continue }
            let (value, forced) = Self.bucketQuantile(q[step], present)
            if forced { forcedMonotonicity(histogram.labels, at: offset) }
            values[step] = value
        }
        return values
    }

    /// The q-quantile of buckets sorted by bound, interpolating linearly inside the bucket it falls
    /// in, and whether counts had to be forced monotonic first.
    static func bucketQuantile(_ q: Double, _ input: [(bound: Double, count: Double)]) -> (Double, forcedMonotonic: Bool) {
        if q.isNaN { return (.nan, false) }
        if q < 0 { return (-.infinity, false) }
        if q > 1 { return (.infinity, false) }
        guard let last = input.last, last.bound == .infinity else { return (.nan, false) }
        // Buckets with the same bound (written differently, "1" and "1.0") add up.
        var buckets: [(bound: Double, count: Double)] = []
        for bucket in input {
            if let previous = buckets.last, previous.bound == bucket.bound { buckets[buckets.count - 1].count += bucket.count } else { buckets.append(bucket) }
        }
        let forced = makeMonotonic(&buckets)
        guard buckets.count >= 2 else { return (.nan, forced) }
        let observations = buckets[buckets.count - 1].count
        guard observations > 0 else { return (.nan, forced) }
        var rank = q * observations
        let b = buckets.firstIndex { $0.count >= rank } ?? buckets.count - 1
        if b == buckets.count - 1 { return (buckets[buckets.count - 2].bound, forced) }
        if b == 0 && buckets[0].bound <= 0 { return (buckets[0].bound, forced) }
        var start = 0.0
        let end = buckets[b].bound
        var count = buckets[b].count
        if b > 0 {
            start = buckets[b - 1].bound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return (start + (end - start) * (rank / count), forced)
    }

    /// Makes cumulative counts non-decreasing. Differences within 1e-12 (relative) are float noise
    /// and are levelled silently; a real decrease is levelled too and reported (the return value).
    static func makeMonotonic(_ buckets: inout [(bound: Double, count: Double)]) -> Bool {
        guard var previous = buckets.first?.count else { return false }
        var forced = false
        for index in buckets.indices.dropFirst() {
            let current = buckets[index].count
            if current == previous { continue }
            if almostEqual(previous, current, tolerance: 1e-12) {
                buckets[index].count = previous
                continue
            }
            if current < previous {
                buckets[index].count = previous
                forced = true
                continue
            }
            previous = current
        }
        return forced
    }

    /// Prometheus's `almost.Equal`: equal, or within `tolerance` of each other relative to their size.
    static func almostEqual(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
        if a == b { return true }
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        let difference = abs(a - b)
        let smallest = Double.leastNormalMagnitude
        if a == 0 || b == 0 || abs(a) + abs(b) < smallest { return difference < tolerance * smallest }
        return difference / min(abs(a) + abs(b), .greatestFiniteMagnitude) < tolerance
    }
}
