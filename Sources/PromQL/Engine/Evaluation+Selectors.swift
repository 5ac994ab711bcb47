import MetricsModel

/// A series with its raw samples, for range functions.
struct RawSeries {
    var labels: Labels
    var samples: [Sample]
    /// Each sample's start timestamp (ms, 0 for none), when the storage keeps them and they were asked for.
    var startTimestamps: [Int64]? = nil
    /// Native histogram points (a subquery's steps that gave histograms), time-sorted.
    var histograms: [HistogramSample] = []
}

extension Evaluation {
    /// Loads series for `matchers` over `mint...maxt`, counting samples against the limit.
    mutating func load(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        try context.check()
        let series = try storage.select(matchers, from: mint, through: maxt)
        try context.check()
        let count = series.reduce(0) { $0 + $1.1.count }
        context.noteLoaded(count)
        samplesLoaded += count
        guard samplesLoaded + pointsHeld <= maxSamples else { throw EvaluationError(Self.tooManySamples) }
        return series
    }

    /// Loads native histogram samples for `matchers` over `mint...maxt`, counting them against the limit.
    mutating func loadHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [Labels: [HistogramSample]] {
        let series = try storage.selectHistograms(matchers, from: mint, through: maxt)
        guard !series.isEmpty else { return [:] }
        let count = series.reduce(0) { $0 + $1.1.count }
        context.noteLoaded(count)
        samplesLoaded += count
        guard samplesLoaded + pointsHeld <= maxSamples else { throw EvaluationError(Self.tooManySamples) }
        let loaded = Dictionary(series, uniquingKeysWith: { first, _ in first })
        guard statisticsDecoding else { return loaded }
        return loaded.mapValues { samples in
            var judged = samples
            for index in judged.indices.dropFirst() where !samples[index - 1].isStale {
                judged[index].histogram.counterResetHint = samples[index].histogram.judgedHint(after: samples[index - 1].histogram)
            }
            return judged
        }
    }

    /// An instant selector at every step: the newest sample in (t − lookback, t], unless it is a stale marker.
    mutating func selectInstant(_ selector: VectorSelector) throws -> [StepSeries] {
        let offset = try selector.modifiers.offset.map(duration) ?? 0
        let count = steps.count
        let times = (0..<count).map { selectorTime($0, selector.modifiers, offset: offset) }
        guard let first = times.min(), let last = times.max() else { return [] }
        let smoothed = selector.modifiers.extended == .smoothed
        // Smoothing interpolates towards the next sample, which may lie after the evaluation time.
        var series = try load(selector.allMatchers, from: first - lookback + 1, through: smoothed ? last + lookback : last)
        var histograms = try loadHistograms(selector.allMatchers, from: first - lookback + 1, through: smoothed ? last + lookback : last)
        try reservePoints((series.count + histograms.count).multipliedReportingOverflow(by: count).overflow ? Int.max : (series.count + histograms.count) * count)
        var out: [StepSeries] = []
        out.reserveCapacity(series.count)
        let mixed = !histograms.isEmpty
        if mixed {
            // Series with histograms are read by the mixed path; a series with histograms only has no floats.
            let floats = Dictionary(series, uniquingKeysWith: { first, _ in first })
            for (labels, samples) in histograms.sorted(by: { $0.key < $1.key }) {
                if smoothed {
                    if let series = smoothedHistograms(floats[labels] ?? [], samples, labels: labels, times: times, position: selector.position) {
                        out.append(series)
                    }
                    continue
                }
                if let mixed = Self.mixedInstant(floats[labels] ?? [], samples, labels: labels, times: times, lookback: lookback) { out.append(mixed) }
            }
            series.removeAll { histograms[$0.0] != nil }
            histograms = [:]
        }
        for (labels, samples) in series {
            if smoothed {
                let values = StepValues(times.map { Self.interpolated(samples, at: $0, lookback: lookback) })
                if values.hasValue { out.append(StepSeries(labels: labels, values: values)) }
                continue
            }
            var values = StepValues(absent: count)
            var cursor = 0
            var any = false
            values.write { writer in
                for (index, t) in times.enumerated() {
                    // Times only go up across steps unless `@` pins them; rewind when they do not.
                    if index > 0 && t < times[index - 1] { cursor = 0 }
                    while cursor < samples.count && samples[cursor].timestamp <= t { cursor += 1 }
                    guard cursor > 0 else { continue }
                    let sample = samples[cursor - 1]
                    guard sample.timestamp > t - lookback, !StaleMarker.isStale(sample.value) else { continue }
                    writer.set(index, sample.value)
                    any = true
                }
            }
            if any { out.append(StepSeries(labels: labels, values: values)) }
        }
        return mixed ? out.sorted { $0.labels < $1.labels } : out
    }

    /// One series with floats and histograms at every step: the newest sample of either kind in
    /// (t − lookback, t], nothing when that is a stale marker; nil when no step has a value.
    static func mixedInstant(_ floats: [Sample], _ histograms: [HistogramSample], labels: Labels, times: [Int64], lookback: Int64) -> StepSeries? {
        var values = StepValues(absent: times.count)
        var steps = [FloatHistogram?](repeating: nil, count: times.count)
        var (floatCursor, histogramCursor) = (0, 0)
        var any = false
        for (index, t) in times.enumerated() {
            if index > 0 && t < times[index - 1] { (floatCursor, histogramCursor) = (0, 0) }
            while floatCursor < floats.count && floats[floatCursor].timestamp <= t { floatCursor += 1 }
            while histogramCursor < histograms.count && histograms[histogramCursor].timestamp <= t { histogramCursor += 1 }
            let float = floatCursor > 0 ? floats[floatCursor - 1] : nil
            let histogram = histogramCursor > 0 ? histograms[histogramCursor - 1] : nil
            if let histogram, histogram.timestamp > (float?.timestamp ?? .min) {
                guard histogram.timestamp > t - lookback, !histogram.isStale else { continue }
                steps[index] = histogram.histogram
                any = true
            } else if let float {
                guard float.timestamp > t - lookback, !StaleMarker.isStale(float.value) else { continue }
                values[index] = float.value
                any = true
            }
        }
        guard any else { return nil }
        return StepSeries(labels: labels, values: values, histograms: steps)
    }

    /// The value at `t` on the straight line between the newest sample at or before `t` and the next
    /// one (each within the lookback), or the former alone when nothing follows; stale markers end it.
    static func interpolated(_ samples: [Sample], at t: Int64, lookback: Int64) -> Double? {
        let after = samples.partitionIndex { $0.timestamp > t }
        guard after > 0 else { return nil }
        let before = samples[after - 1]
        guard before.timestamp > t - lookback, !StaleMarker.isStale(before.value) else { return nil }
        guard before.timestamp < t, after < samples.count else { return before.value }
        let next = samples[after]
        guard next.timestamp <= t + lookback, !StaleMarker.isStale(next.value) else { return before.value }
        let fraction = Double(t - before.timestamp) / Double(next.timestamp - before.timestamp)
        return before.value + (next.value - before.value) * fraction
    }

    /// For a matrix selector or subquery argument: each series' samples (stale markers removed) over
    /// the whole span every step's window can reach, with the range and the per-step window ends.
    /// `withStartTimestamps` also reads the samples' start timestamps, which only a selector carries
    /// (a subquery's points have none).
    mutating func rangeArgument(_ expr: Expr, withStartTimestamps: Bool = false) throws -> (series: [RawSeries], range: Int64, windowEnds: [Int64]) {
        switch expr {
        case .paren(let inner): return try rangeArgument(inner, withStartTimestamps: withStartTimestamps)
        case .matrix(let selector, let rangeExpr):
            let span = try matrixSpan(selector, rangeExpr)
            guard let mint = span.mint, let maxt = span.maxt else { return ([], span.range, span.ends) }
            let series = try load(span.matchers, from: mint, through: maxt)
            return (series.map { labels, samples in
                rawSeries(labels, samples, startTimestamps: withStartTimestamps ? storage.startTimestamps(of: labels, from: mint, through: maxt) : nil)
            }, span.range, span.ends)
        case .subquery(let subquery):
            let range = try duration(subquery.range)
            let offset = try subquery.modifiers.offset.map(duration) ?? 0
            let ends = (0..<steps.count).map { selectorTime($0, subquery.modifiers, offset: offset) }
            guard let first = ends.min(), let last = ends.max() else { return ([], range, ends) }
            var step = try subquery.step.map(duration) ?? 60_000
            if step <= 0 { step = 60_000 }
            // Inner steps are aligned to multiples of the step, as Prometheus aligns them.
            let innerStart = (first - range).floorDivided(by: step) * step + step
            let innerEnd = last.floorDivided(by: step) * step
            guard innerEnd >= innerStart else { return ([], range, ends) }
            // Every inner step holds a point per series: more steps than the sample budget cannot
            // fit, so the query fails before allocating for them (as Prometheus fails it).
            try reservePoints(Int((innerEnd - innerStart) / step + 1))
            var inner = Evaluation(storage: storage, steps: Steps(start: innerStart, end: innerEnd, step: step), lookback: lookback, maxSamples: maxSamples, context: context)
            inner.samplesLoaded = samplesLoaded
            (inner.queryStart, inner.queryEnd) = (queryStart, queryEnd)
            inner.pointsHeld = pointsHeld
            let value = try inner.eval(subquery.expr)
            samplesLoaded = inner.samplesLoaded
            // The inner steps' points become this node's raw samples (released with its output).
            try reservePoints(value.pointCount(steps: inner.steps.count))
            guard case .vector(let series) = value else { throw EvaluationError("subquery is only allowed on instant vector") }
            let raw = series.map { item in
                var series = RawSeries(labels: Evaluation.finalLabels(item), samples: item.values.points.map { point in
                    Sample(timestamp: innerStart + Int64(point.step) * step, value: point.value)
                })
                if let histograms = item.histograms {
                    // A step's histogram says how it follows the series' previous sample, not the
                    // previous step's: between steps, a counter's resets are found by comparing.
                    series.histograms = histograms.enumerated().compactMap { index, histogram in
                        guard var histogram else { return nil }
                        if histogram.counterResetHint != .gauge { histogram.counterResetHint = .unknown }
                        return HistogramSample(timestamp: innerStart + Int64(index) * step, histogram: histogram)
                    }
                }
                return series
            }
            return (raw, range, ends)
        default:
            throw EvaluationError("expected a range vector")
        }
    }

    /// What a matrix selector reads: its range, each step's window end, the matchers, and the span
    /// (nil when there are no steps) that every window reaches.
    struct MatrixSpan {
        let range: Int64
        let ends: [Int64]
        let matchers: [Matcher]
        let mint: Int64?
        let maxt: Int64?
    }

    func matrixSpan(_ selector: VectorSelector, _ rangeExpr: DurationExpr) throws -> MatrixSpan {
        let range = try duration(rangeExpr)
        let offset = try selector.modifiers.offset.map(duration) ?? 0
        let ends = (0..<steps.count).map { selectorTime($0, selector.modifiers, offset: offset) }
        var plain = selector
        plain.modifiers = Modifiers()
        guard let first = ends.min(), let last = ends.max() else {
            return MatrixSpan(range: range, ends: ends, matchers: plain.allMatchers, mint: nil, maxt: nil)
        }
        // anchored needs the sample before each window; smoothed also the one after it.
        let extraBefore = selector.modifiers.extended == nil ? 0 : lookback
        let extraAfter = selector.modifiers.extended == .smoothed ? lookback : 0
        return MatrixSpan(range: range, ends: ends, matchers: plain.allMatchers, mint: first - range - extraBefore + 1, maxt: last + extraAfter)
    }

    /// A loaded series without its stale markers, with its start timestamps when given.
    func rawSeries(_ labels: Labels, _ samples: [Sample], startTimestamps starts: [Int64]?) -> RawSeries {
        guard samples.contains(where: { StaleMarker.isStale($0.value) }) else {
            return RawSeries(labels: labels, samples: samples, startTimestamps: starts?.count == samples.count ? starts : nil)
        }
        let kept = samples.indices.filter { !StaleMarker.isStale(samples[$0].value) }
        var raw = RawSeries(labels: labels, samples: kept.map { samples[$0] })
        if let starts, starts.count == samples.count { raw.startTimestamps = kept.map { starts[$0] } }
        return raw
    }

    /// A top-level range vector of an instant query: the raw samples of each window.
    mutating func rawMatrix(_ expr: Expr) throws -> [RawSeries] {
        let (series, range, ends) = try rangeArgument(expr)
        let end = ends[0]
        return series.compactMap { item in
            let samples = item.samples.filter { $0.timestamp > end - range && $0.timestamp <= end }
            return samples.isEmpty ? nil : RawSeries(labels: item.labels, samples: samples)
        }
    }
}
