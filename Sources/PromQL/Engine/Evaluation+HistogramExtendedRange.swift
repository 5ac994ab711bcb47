import MetricsModel

/// `rate`, `increase`, `delta`, `changes` and `resets` over `anchored` and `smoothed` windows of
/// native histograms: anchored takes the newest sample at or before the window's start as its left
/// edge; smoothed interpolates histograms at both edges. Neither extrapolates. A counter's resets
/// add the histogram before them, as the float path adds the value before.
extension Evaluation {
    /// `floats` are the series' float samples: `changes` and `resets` read both kinds as one sequence.
    mutating func addExtendedHistogramWindows(_ name: String, _ selector: VectorSelector, _ rangeExpr: DurationExpr, floats: [Labels: [Sample]],
                                              into results: inout [StepSeries], position: Int?) throws {
        guard let extended = selector.modifiers.extended, ["rate", "increase", "delta", "changes", "resets"].contains(name) else { return }
        let span = try matrixSpan(selector, rangeExpr)
        guard let mint = span.mint, let maxt = span.maxt else { return }
        let histograms = try loadHistograms(span.matchers, from: mint, through: maxt)
        guard !histograms.isEmpty else { return }
        let counter = name == "rate" || name == "increase"
        var byLabels: [Labels: Int] = [:]
        for (index, item) in results.enumerated() { byLabels[item.labels] = index }
        for (labels, samples) in histograms.sorted(by: { $0.key < $1.key }) {
            let live = samples.filter { !$0.isStale }
            guard !live.isEmpty else { continue }
            var numbers = StepValues(absent: steps.count)
            var values = [FloatHistogram?](repeating: nil, count: steps.count)
            var any = false
            let counts = name == "changes" || name == "resets"
            let mixed = counts ? MixedSample.merged((floats[labels] ?? [])[...], live[...]) : []
            for (index, end) in span.ends.enumerated() {
                let start = end - span.range
                if counts {
                    // The anchored window of the merged sequence: its samples in (start, end] and the
                    // newest at or before the start (within the lookback).
                    guard extended == .anchored else { continue }
                    let low = mixed.partitionIndex { $0.timestamp > start }
                    let high = mixed.partitionIndex { $0.timestamp > end }
                    guard high > low else { continue }
                    let anchor = low > 0 && mixed[low - 1].timestamp > start - lookback ? low - 1 : low
                    numbers[index] = Self.mixedCount(name, Array(mixed[anchor..<high]))
                    any = true
                    continue
                }
                let points: [HistogramSample]
                switch extended {
                case .anchored:
                    let low = live.partitionIndex { $0.timestamp > start }
                    let high = live.partitionIndex { $0.timestamp > end }
                    guard high > low else { continue }
                    var window = Array(live[low..<high])
                    if low > 0 && live[low - 1].timestamp > start - lookback { window.insert(live[low - 1], at: 0) }
                    points = window
                case .smoothed:
                    let first = live.partitionIndex { $0.timestamp >= start - lookback }
                    let last = live.partitionIndex { $0.timestamp > end + lookback }
                    guard first < last else { continue }
                    points = Array(live[first..<last])
                    guard points.contains(where: { $0.timestamp >= start }), points.contains(where: { $0.timestamp <= end }) else { continue }
                }
                if !counter, points.contains(where: { $0.histogram.counterResetHint != .gauge }) {
                    warn("this native histogram metric is not a gauge: \(goQuote(labels.metricName))", at: position)
                }
                if counter, points.contains(where: { $0.histogram.counterResetHint == .gauge }) {
                    warn("this native histogram metric is not a counter: \(goQuote(labels.metricName))", at: position)
                }
                do {
                    var change: FloatHistogram
                    switch extended {
                    case .anchored: change = try Self.anchoredChange(points, counter: counter)
                    case .smoothed: change = try Self.smoothedChange(points, start: start, end: end, counter: counter)
                    }
                    if name == "rate" { change.divide(by: Double(span.range) / 1000) }
                    change.counterResetHint = .gauge
                    values[index] = change.compacted()
                    any = true
                } catch {
                    warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
                }
            }
            guard any else { continue }
            if let row = byLabels[labels] {
                if values.contains(where: { $0 != nil }) { results[row].histograms = values }
                for index in 0..<steps.count where numbers[index] != nil { results[row].values[index] = numbers[index] }
            } else {
                results.append(StepSeries(labels: labels, values: numbers, histograms: values.contains { $0 != nil } ? values : nil, dropName: true))
            }
        }
        results.sort { $0.labels < $1.labels }
    }

    /// The last histogram minus the first; for a counter, each reset adds the histogram before it.
    static func anchoredChange(_ points: [HistogramSample], counter: Bool) throws(HistogramError) -> FloatHistogram {
        var change = points.last!.histogram
        _ = try change.subtract(points.first!.histogram)
        if counter {
            for (previous, next) in zip(points, points.dropFirst()) where next.histogram.isCounterReset(after: previous.histogram) {
                _ = try change.add(previous.histogram)
            }
        }
        return change
    }

    /// The difference of the histograms interpolated at the window's edges (carried from the
    /// nearest sample past the series' ends), over a counter made monotonic first.
    static func smoothedChange(_ points: [HistogramSample], start: Int64, end: Int64, counter: Bool) throws(HistogramError) -> FloatHistogram {
        var corrected = points
        if counter {
            var offset: FloatHistogram?
            for index in points.indices.dropFirst() {
                if points[index].histogram.isCounterReset(after: points[index - 1].histogram) {
                    if offset == nil { offset = points[index - 1].histogram } else { _ = try offset!.add(points[index - 1].histogram) }
                }
                if let offset { _ = try corrected[index].histogram.add(offset) }
            }
        }
        func value(at t: Int64) throws(HistogramError) -> FloatHistogram {
            let after = corrected.partitionIndex { $0.timestamp > t }
            if after == 0 { return corrected[0].histogram }
            let before = corrected[after - 1]
            if before.timestamp == t || after == corrected.count { return before.histogram }
            let next = corrected[after]
            var step = next.histogram
            _ = try step.subtract(before.histogram)
            step.multiply(by: Double(t - before.timestamp) / Double(next.timestamp - before.timestamp))
            _ = try step.add(before.histogram)
            return step
        }
        var change = try value(at: end)
        _ = try change.subtract(try value(at: start))
        return change
    }
}

extension Evaluation {
    /// A `smoothed` instant selector over a series with histograms: at each step the histogram on the
    /// straight line between the newest sample at or before the step and the next one (each within the
    /// lookback), or the former alone when nothing follows. A counter that resets between them restarts
    /// from zero (the next histogram scaled by the fraction). Floats among those samples, or
    /// exponential and custom buckets on either side, give no value and Prometheus's warning.
    func smoothedHistograms(_ floats: [Sample], _ histograms: [HistogramSample], labels: Labels, times: [Int64], position: Int?) -> StepSeries? {
        let live = histograms.filter { !$0.isStale }
        let liveFloats = floats.filter { !StaleMarker.isStale($0.value) }
        var values = StepValues(absent: times.count)
        var steps = [FloatHistogram?](repeating: nil, count: times.count)
        var any = false
        for (index, t) in times.enumerated() {
            // The newest sample of either kind at or before t, and the first after it.
            let histogramAfter = live.partitionIndex { $0.timestamp > t }
            let floatAfter = liveFloats.partitionIndex { $0.timestamp > t }
            let beforeH = histogramAfter > 0 ? live[histogramAfter - 1] : nil
            let beforeF = floatAfter > 0 ? liveFloats[floatAfter - 1] : nil
            let nextH = histogramAfter < live.count ? live[histogramAfter] : nil
            let nextF = floatAfter < liveFloats.count ? liveFloats[floatAfter] : nil
            let beforeIsHistogram = (beforeH?.timestamp ?? .min) > (beforeF?.timestamp ?? .min)
            guard let beforeTime = beforeIsHistogram ? beforeH?.timestamp : beforeF?.timestamp, beforeTime > t - lookback else { continue }
            let nextIsHistogram = (nextH?.timestamp ?? .max) < (nextF?.timestamp ?? .max)
            let nextTime = nextIsHistogram ? nextH?.timestamp : nextF?.timestamp
            let hasNext = beforeTime < t && nextTime.map { $0 <= t + lookback } == true
            if hasNext && beforeIsHistogram != nextIsHistogram {
                warn("encountered a mix of histograms and floats for metric name \(goQuote(labels.metricName))", at: position)
                continue
            }
            if !beforeIsHistogram {
                if let value = Self.interpolated(floats, at: t, lookback: lookback) {
                    values[index] = value
                    any = true
                }
                continue
            }
            let before = beforeH!
            guard hasNext, let next = nextH else {
                steps[index] = before.histogram
                any = true
                continue
            }
            if before.histogram.usesCustomBuckets != next.histogram.usesCustomBuckets {
                warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
                continue
            }
            let fraction = Double(t - before.timestamp) / Double(next.timestamp - before.timestamp)
            var value = next.histogram
            if next.histogram.counterResetHint != .gauge && before.histogram.counterResetHint != .gauge
                && next.histogram.isCounterReset(after: before.histogram) {
                value.multiply(by: fraction)
            } else {
                do {
                    _ = try value.subtract(before.histogram)
                    value.multiply(by: fraction)
                    _ = try value.add(before.histogram)
                } catch {
                    warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
                    continue
                }
            }
            steps[index] = value
            any = true
        }
        guard any else { return nil }
        return StepSeries(labels: labels, values: values, histograms: steps)
    }
}
