import MetricsModel
#if canImport(Glibc)
import Glibc
#endif

extension Evaluation {
    /// Functions over a range vector: one value per series and step from the samples in the
    /// left-open window (end − range, end].
    mutating func rangeFunction(_ function: Function, _ args: [Expr], _ positions: SourcePositions = SourcePositions()) throws -> StepValue {
        let matrixIndex = function.matrixArgument ?? 0
        let scalars = try args.enumerated().filter { $0.offset != matrixIndex }.map { try scalarArgument($0.element) }
        let usesStartTimestamps = function.flags.contains(.usesStartTimestamps)
        if case .matrix(let selector, let rangeExpr) = args[matrixIndex].unparenthesized, selector.modifiers.extended == nil {
            var results = try streamedRangeFunction(function, selector, rangeExpr, scalars, positions, matrixIndex: matrixIndex, startTimestamps: usesStartTimestamps)
            try addHistogramWindows(function, selector, rangeExpr, into: &results, position: positions[matrixIndex])
            return .vector(results.filter { $0.values.hasValue || $0.histograms?.contains { $0 != nil } == true })
        }
        let (series, range, ends) = try rangeArgument(args[matrixIndex], withStartTimestamps: usesStartTimestamps)
        if case .matrix(let selector, let rangeExpr) = args[matrixIndex].unparenthesized, let extended = selector.modifiers.extended {
            var result = try extendedRange(function.name, extended, series, range: range, ends: ends)
            if function.flags.contains(.counter) {
                for item in result { checkCounterName(item.labels, at: positions[matrixIndex]) }
            }
            var floats: [Labels: [Sample]] = [:]
            for item in series { floats[item.labels] = item.samples }
            try addExtendedHistogramWindows(function.name, selector, rangeExpr, floats: floats, into: &result, position: positions[matrixIndex])
            return .vector(result)
        }
        let window = WindowFunction(function: function, range: range, ends: ends, scalars: scalars, positions: positions, matrixIndex: matrixIndex)
        let results = try ParallelWork.map(series, cost: series.count * ends.count) { item in
            try rangeSeries(item, window)
        }
        var vector = results.compactMap { $0 }
        // A subquery's histogram points, windowed as a selector's are.
        var histograms: [Labels: [HistogramSample]] = [:]
        var floats: [Labels: [Sample]] = [:]
        for item in series where !item.histograms.isEmpty {
            histograms[item.labels] = item.histograms
            floats[item.labels] = item.samples
        }
        if !histograms.isEmpty {
            mergeHistogramWindows(function, histograms, floats: floats, range: range, ends: ends, into: &vector, position: positions[matrixIndex])
            vector = vector.filter { $0.values.hasValue || $0.histograms?.contains { $0 != nil } == true }
        }
        return .vector(vector)
    }

    /// A range function over a plain matrix selector: each series is evaluated as soon as the storage
    /// has read it, on all cores, so the query never holds every series' samples at once.
    private mutating func streamedRangeFunction(_ function: Function, _ selector: VectorSelector, _ rangeExpr: DurationExpr, _ scalars: [[Double]],
                                                _ positions: SourcePositions, matrixIndex: Int, startTimestamps: Bool) throws -> [StepSeries] {
        let span = try matrixSpan(selector, rangeExpr)
        guard let mint = span.mint, let maxt = span.maxt else { return [] }
        try context.check()
        let window = WindowFunction(function: function, range: span.range, ends: span.ends, scalars: scalars, positions: positions, matrixIndex: matrixIndex)
        let before = context.samplesLoaded
        // Each series read costs its samples, and its output a point per step: both count, as
        // they go, so a query over too many series stops before holding them all.
        let limit = maxSamples - samplesLoaded - pointsHeld
        let stepsPerSeries = span.ends.count
        let outputsBefore = context.noteSeriesOutput(0)
        let storage = self.storage
        let results = try storage.mapSeries(span.matchers, from: mint, through: maxt) { labels, samples -> StepSeries? in
            context.noteLoaded(samples.count)
            let outputs = context.noteSeriesOutput(stepsPerSeries)
            guard context.samplesLoaded - before + outputs - outputsBefore <= limit else { throw EvaluationError(Self.tooManySamples) }
            let starts = startTimestamps ? storage.startTimestamps(of: labels, from: mint, through: maxt) : nil
            return try rangeSeries(rawSeries(labels, samples, startTimestamps: starts), window)
        }
        samplesLoaded += context.samplesLoaded - before
        return results
    }

    /// What a range function needs besides the series: the function, range, window ends and arguments.
    struct WindowFunction {
        let function: Function
        let range: Int64
        let ends: [Int64]
        let scalars: [[Double]]
        let positions: SourcePositions
        let matrixIndex: Int
    }

    /// One series' values at every step; nil when no window gives one. Reads only immutable state
    /// (annotations go to the shared, locked context), so series are evaluated in parallel.
    private func rangeSeries(_ item: RawSeries, _ function: WindowFunction) throws -> StepSeries? {
        guard !item.samples.isEmpty, case .window(let compute) = function.function.implementation else { return nil }
        let ends = function.ends, range = function.range
        let samples = item.samples
        let checksQuantile = function.function.name == "quantile_over_time"
        let counterFunction = function.function.flags.contains(.counter)
        // Drops before each sample, counted from the start: a window without any skips the
        // counter-reset pass (the common case; the result is the same either way).
        var dropsBefore: [Int32] = []
        if counterFunction && item.startTimestamps == nil {
            dropsBefore = [Int32](repeating: 0, count: samples.count)
            for index in samples.indices.dropFirst() {
                dropsBefore[index] = dropsBefore[index - 1] + (samples[index].value < samples[index - 1].value ? 1 : 0)
            }
        }
        var values = StepValues(absent: steps.count)
        var low = 0
        var high = 0
        var any = false
        // Windows are views into the samples' (and start times') buffers: no copies, no reference
        // counting per step.
        let hasStarts = item.startTimestamps != nil
        let allStarts = item.startTimestamps ?? []
        let scalarColumns = function.scalars
        try values.write { writer in
        try samples.withUnsafeBufferPointer { buffer in
          try allStarts.withUnsafeBufferPointer { startsBuffer in
          for (index, end) in ends.enumerated() {
            if index & 63 == 0 { try context.check() }
            if index > 0 && end < ends[index - 1] { low = 0; high = 0 }
            while high < buffer.count && buffer[high].timestamp <= end { high += 1 }
            while low < high && buffer[low].timestamp <= end - range { low += 1 }
            guard low < high else { continue }
            let window = UnsafeBufferPointer(rebasing: buffer[low..<high])
            if checksQuantile { checkQuantile(function.scalars[0][index], at: function.positions[0]) }
            let starts = hasStarts ? UnsafeBufferPointer(rebasing: startsBuffer[low..<high]) : nil
            if counterFunction, let starts, Self.startTimesOverlap(window, starts) {
                warn("sample has start time that overlaps with previous sample timestamp for metric \(goQuote(item.labels.metricName))",
                     at: function.positions[function.matrixIndex])
            }
            let input = WindowInput(window: window, starts: starts, range: range, end: end, stepTime: steps.time(index),
                                    scalars: (scalarColumns.first?[index] ?? 0, scalarColumns.count > 1 ? scalarColumns[1][index] : 0),
                                    mayReset: dropsBefore.isEmpty || dropsBefore[high - 1] != dropsBefore[low])
            if let value = try compute(input) {
                writer.set(index, value)
                any = true
            }
          }
          }
        }
        }
        guard any else { return nil }
        if counterFunction { checkCounterName(item.labels, at: function.positions[function.matrixIndex]) }
        return StepSeries(labels: item.labels, values: values, dropName: !function.function.flags.contains(.keepsName))
    }

    /// rate, increase, delta, changes and resets over `anchored` or `smoothed` windows (no extrapolation).
    private func extendedRange(_ name: String, _ extended: RangeExtension, _ series: [RawSeries], range: Int64, ends: [Int64]) throws -> [StepSeries] {
        let counter = name == "rate" || name == "increase"
        var out: [StepSeries] = []
        for item in series where !item.samples.isEmpty {
            let samples = item.samples
            var values = StepValues(absent: steps.count)
            var any = false
            for (index, end) in ends.enumerated() {
                if index & 63 == 0 { try context.check() }
                let start = end - range
                let low = samples.partitionIndex { $0.timestamp > start }
                let high = samples.partitionIndex { $0.timestamp > end }
                let value: Double?
                switch extended {
                case .anchored:
                    // The window's samples, led by the newest one at or before its start (within the lookback).
                    guard high > low else { continue }
                    var points = Array(samples[low..<high])
                    if low > 0 && samples[low - 1].timestamp > start - lookback { points.insert(samples[low - 1], at: 0) }
                    value = Self.anchoredValue(name, points, counter: counter, range: range)
                case .smoothed:
                    value = Self.smoothedValue(samples, start: start, end: end, counter: counter, rate: name == "rate", range: range, lookback: lookback)
                }
                if let value {
                    values[index] = value
                    any = true
                }
            }
            if any { out.append(StepSeries(labels: item.labels, values: values, dropName: true)) }
        }
        return out
    }

    static func anchoredValue(_ name: String, _ points: [Sample], counter: Bool, range: Int64) -> Double? {
        switch name {
        case "changes", "resets":
            var count = 0.0
            for (previous, next) in zip(points, points.dropFirst()) {
                if name == "resets" ? next.value < previous.value : !(next.value == previous.value || (next.value.isNaN && previous.value.isNaN)) {
                    count += 1
                }
            }
            return count
        default:
            var change = points.last!.value - points.first!.value
            if counter {
                for (previous, next) in zip(points, points.dropFirst()) where next.value < previous.value { change += previous.value }
            }
            return name == "rate" ? change / (Double(range) / 1000) : change
        }
    }

    /// The difference between the values interpolated at the window's start and end: counters are
    /// first made monotonic (a reset adds the value before it), so a reset between the edge samples
    /// interpolates over the corrected line. Needs a sample at or after the start and one at or
    /// before the end.
    static func smoothedValue(_ samples: [Sample], start: Int64, end: Int64, counter: Bool, rate: Bool, range: Int64, lookback: Int64) -> Double? {
        let first = samples.partitionIndex { $0.timestamp >= start - lookback }
        let last = samples.partitionIndex { $0.timestamp > end + lookback }
        guard first < last else { return nil }
        var points = Array(samples[first..<last])
        guard points.contains(where: { $0.timestamp >= start }), points.contains(where: { $0.timestamp <= end }) else { return nil }
        if counter {
            var offset = 0.0
            for index in points.indices.dropFirst() {
                let raw = samples[first + index].value
                if raw < samples[first + index - 1].value { offset += samples[first + index - 1].value }
                points[index].value = raw + offset
            }
        }
        func value(at t: Int64) -> Double {
            let after = points.partitionIndex { $0.timestamp > t }
            if after == 0 { return points[0].value }
            let before = points[after - 1]
            if before.timestamp == t || after == points.count { return before.value }
            let next = points[after]
            return before.value + (next.value - before.value) * Double(t - before.timestamp) / Double(next.timestamp - before.timestamp)
        }
        let change = value(at: end) - value(at: start)
        return rate ? change / (Double(range) / 1000) : change
    }

    /// Prometheus's `extrapolatedRate`: the change over the samples, extrapolated towards the window's
    /// edges when the series seems to cover them, and never below a counter's zero point. With start
    /// timestamps, a counter also resets where a sample's start time says so, and a first sample whose
    /// start lies inside the window counts from zero at that start instead of being extrapolated (which
    /// lets a single sample give a rate).
    static func extrapolatedRate(_ window: UnsafeBufferPointer<Sample>, starts: UnsafeBufferPointer<Int64>? = nil, range: Int64, end: Int64,
                                  counter: Bool, rate: Bool, mayReset: Bool = true) -> Double? {
        let first = window.first!, last = window.last!
        var result = last.value - first.value
        if counter && mayReset {
            for index in window.indices.dropFirst() {
                let previous = window[index - 1], sample = window[index]
                let startReset = starts.map { Self.isStartTimestampReset($0[index - 1], previous.timestamp, $0[index], sample.timestamp) } ?? false
                if sample.value < previous.value || startReset { result += previous.value }
            }
        }
        let rangeStart = end - range
        var durationToStart = Double(first.timestamp - rangeStart) / 1000
        var durationToEnd = Double(end - last.timestamp) / 1000
        var sampled = Double(last.timestamp - first.timestamp) / 1000
        let average = window.count > 1 ? sampled / Double(window.count - 1) : 0
        let threshold = average * 1.1
        if counter, let firstStart = starts?.first, firstStart != 0, firstStart > rangeStart, firstStart < first.timestamp {
            // A zero-valued point at the first sample's start time, in place of extrapolating left.
            durationToStart = 0
            sampled = Double(last.timestamp - firstStart) / 1000
            result += first.value
        } else if window.count == 1 {
            return nil
        } else {
            if durationToStart >= threshold { durationToStart = average / 2 }
            if counter && result > 0 && first.value >= 0 {
                let durationToZero = sampled * (first.value / result)
                if durationToZero < durationToStart { durationToStart = durationToZero }
            }
        }
        if durationToEnd >= threshold { durationToEnd = average / 2 }
        var factor = sampled != 0 ? (sampled + durationToStart + durationToEnd) / sampled : 1
        if rate { factor /= Double(range) / 1000 }
        return result * factor
    }

    /// Whether a sample's start time says its counter restarted since the previous sample: it starts
    /// after the previous sample, or exactly at it when the previous sample had a start of its own
    /// (a delta series; a cumulative series of unknown start repeats the previous timestamp instead).
    /// No start (0), a start at or after the sample itself, or one before the previous sample is no reset.
    static func isStartTimestampReset(_ previousStart: Int64, _ previousTime: Int64, _ start: Int64, _ time: Int64) -> Bool {
        if start == 0 || start >= time || start < previousTime { return false }
        if start > previousTime { return true }
        if previousStart > previousTime { return false }
        return previousStart != 0 && previousStart != previousTime
    }

    /// Whether some sample's start time falls before the previous sample without repeating its start:
    /// two samples claim the same stretch of time.
    static func startTimesOverlap(_ window: UnsafeBufferPointer<Sample>, _ starts: UnsafeBufferPointer<Int64>) -> Bool {
        window.indices.dropFirst().contains { index in
            let start = starts[index]
            return start != 0 && start < window[index - 1].timestamp && start != starts[index - 1]
        }
    }

    static func linearRegression(_ samples: UnsafeBufferPointer<Sample>, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = samples.first!.value
        var constY = true
        for (index, sample) in samples.enumerated() {
            if constY && index > 0 && sample.value != initY { constY = false }
            n += 1
            let x = Double(sample.timestamp - interceptTime) / 1000
            (sumX, cX) = kahanAdd(x, sumX, cX)
            (sumY, cY) = kahanAdd(sample.value, sumY, cY)
            (sumXY, cXY) = kahanAdd(x * sample.value, sumXY, cXY)
            (sumX2, cX2) = kahanAdd(x * x, sumX2, cX2)
        }
        if constY { return initY.isInfinite ? (.nan, .nan) : (0, initY) }
        sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }
}

/// Kahan–Babuška summation step: returns the new sum and compensation.
@inline(__always)
func kahanAdd(_ value: Double, _ sum: Double, _ compensation: Double) -> (Double, Double) {
    let t = sum + value
    var c = compensation
    if t.isInfinite {
        c = 0
    } else if abs(sum) >= abs(value) {
        c += (sum - t) + value
    } else {
        c += (value - t) + sum
    }
    return (t, c)
}

func kahanSum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    var sum = 0.0, c = 0.0
    for value in values { (sum, c) = kahanAdd(value, sum, c) }
    return sum.isInfinite ? sum : sum + c
}

/// Prometheus's mean: a Kahan-compensated sum divided at the end while the sum stays finite, switching
/// to an incremental mean once it would overflow (direct division is usually more accurate).
func average<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    var iterator = values.makeIterator()
    guard var sum = iterator.next() else { return .nan }
    var count = 1.0, mean = 0.0, c = 0.0
    var incremental = false
    while let value = iterator.next() {
        count += 1
        if !incremental {
            let (newSum, newC) = kahanAdd(value, sum, c)
            if !newSum.isInfinite {
                sum = newSum
                c = newC
                continue
            }
            incremental = true
            mean = sum / (count - 1)
            c /= count - 1
        }
        if mean.isInfinite {
            // An infinite mean stays as it is unless the opposite infinity or NaN arrives.
            if value.isInfinite && (mean > 0) == (value > 0) { continue }
            if !value.isInfinite && !value.isNaN { continue }
        }
        let current = mean + c
        (mean, c) = kahanAdd(value / count - current / count, mean, c)
    }
    if incremental { return mean + c }
    return sum / count + c / count
}

/// Prometheus's `quantile`: linear interpolation between the closest ranks.
func quantile(_ q: Double, _ values: [Double]) -> Double {
    if values.isEmpty || q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    let sorted = values.sorted { $0 < $1 || ($0.isNaN && !$1.isNaN) }
    let rank = q * Double(sorted.count - 1)
    let lower = max(0, Int(rank.rounded(.down)))
    let upper = min(sorted.count - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[lower] * (1 - weight) + sorted[upper] * weight
}
