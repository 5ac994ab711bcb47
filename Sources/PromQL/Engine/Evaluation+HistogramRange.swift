import MetricsModel

/// Range functions over native histogram samples, beside the float path: a window's histograms
/// give a histogram (`rate`, `increase`, `delta`, `sum_over_time`, `avg_over_time`,
/// `last_over_time`, `first_over_time`) or a float (`count_over_time`, `present_over_time`). A
/// window holding floats and histograms together gives nothing, except to the counting functions.
extension Evaluation {
    static let histogramRangeFunctions: Set<String> = [
        "rate", "increase", "delta", "irate", "idelta", "sum_over_time", "avg_over_time", "last_over_time", "first_over_time",
        "count_over_time", "present_over_time", "resets", "changes", "ts_of_last_over_time", "ts_of_first_over_time",
    ]

    /// Adds the histogram windows of a plain matrix selector's series to `results` (the float
    /// windows of the same call), merging by labels.
    mutating func addHistogramWindows(_ function: Function, _ selector: VectorSelector, _ rangeExpr: DurationExpr,
                                      into results: inout [StepSeries], position: Int?) throws {
        let span = try matrixSpan(selector, rangeExpr)
        guard let mint = span.mint, let maxt = span.maxt else { return }
        let histograms = try loadHistograms(span.matchers, from: mint, through: maxt)
        guard !histograms.isEmpty else { return }
        // The functions that read floats and histograms as one sequence read both kinds again.
        var floats: [Labels: [Sample]] = [:]
        if Self.mixedWindowFunctions.contains(function.name) {
            try context.check()
            for (labels, samples) in try storage.select(span.matchers, from: mint, through: maxt) where histograms[labels] != nil {
                floats[labels] = samples
            }
        }
        var starts: [Labels: [Int64]] = [:]
        if function.flags.contains(.usesStartTimestamps) {
            for (labels, samples) in histograms {
                if let known = storage.histogramStartTimestamps(of: labels, from: mint, through: maxt), known.count == samples.count { starts[labels] = known }
            }
        }
        mergeHistogramWindows(function, histograms, floats: floats, starts: starts, range: span.range, ends: span.ends, into: &results, position: position)
    }

    /// Adds the windows of `histograms` (by series) to `results`, the float windows of the same call;
    /// `floatSamples` are the same series' floats, for the functions that read both kinds as one
    /// sequence; `starts` the histograms' start timestamps, where the storage keeps them.
    mutating func mergeHistogramWindows(_ function: Function, _ histograms: [Labels: [HistogramSample]], floats floatSamples: [Labels: [Sample]],
                                        starts: [Labels: [Int64]] = [:], range: Int64, ends: [Int64],
                                        into results: inout [StepSeries], position: Int?) {
        guard Self.histogramRangeFunctions.contains(function.name) else {
            // A float function leaves histograms out, and says so.
            for labels in histograms.keys.sorted() where results.contains(where: { $0.labels == labels }) {
                inform("ignored histograms in a range containing both floats and histograms for metric name \(goQuote(labels.metricName))", at: position)
            }
            return
        }
        var byLabels: [Labels: Int] = [:]
        for (index, item) in results.enumerated() { byLabels[item.labels] = index }
        let keepsName = function.flags.contains(.keepsName)
        let readsMixed = Self.mixedWindowFunctions.contains(function.name)
        for (labels, samples) in histograms.sorted(by: { $0.key < $1.key }) {
            let liveIndices = samples.indices.filter { !samples[$0].isStale }
            guard !liveIndices.isEmpty else { continue }
            let live = liveIndices.map { samples[$0] }
            let liveStarts = starts[labels].map { known in liveIndices.map { known[$0] } }
            let liveFloats = readsMixed ? (floatSamples[labels] ?? []).filter { !StaleMarker.isStale($0.value) } : []
            var lowFloat = 0
            var highFloat = 0
            var floats = StepValues(absent: steps.count)
            var stepHistograms = [FloatHistogram?](repeating: nil, count: steps.count)
            var any = false
            var low = 0
            var high = 0
            for (index, end) in ends.enumerated() {
                if index > 0 && end < ends[index - 1] { (low, high, lowFloat, highFloat) = (0, 0, 0, 0) }
                while high < live.count && live[high].timestamp <= end { high += 1 }
                while low < high && live[low].timestamp <= end - range { low += 1 }
                while highFloat < liveFloats.count && liveFloats[highFloat].timestamp <= end { highFloat += 1 }
                while lowFloat < highFloat && liveFloats[lowFloat].timestamp <= end - range { lowFloat += 1 }
                guard low < high else { continue }
                if lowFloat < highFloat {
                    let merged = MixedSample.merged(liveFloats[lowFloat..<highFloat], live[low..<high])
                    let answer = mixedWindow(function.name, merged, range: range, end: end, labels: labels, position: position)
                    if case .float(let value) = answer {
                        floats[index] = value
                    } else if let row = byLabels[labels] {
                        results[row].values[index] = nil
                    }
                    if case .histogram(let value) = answer { stepHistograms[index] = value }
                    any = any || answer != nil
                    continue
                }
                let window = Array(live[low..<high])
                let windowStarts = liveStarts.map { Array($0[low..<high]) }
                if function.flags.contains(.counter), let windowStarts, Self.startTimesOverlap(window.map(\.timestamp), windowStarts) {
                    warn("sample has start time that overlaps with previous sample timestamp for metric \(goQuote(labels.metricName))", at: position)
                }
                let existing = byLabels[labels].flatMap { results[$0].values[index] }
                switch function.name {
                case "count_over_time":
                    floats[index] = Double(window.count) + (existing ?? 0)
                    any = true
                    continue
                case "present_over_time":
                    floats[index] = 1
                    any = true
                    continue
                case "resets", "changes", "ts_of_last_over_time", "ts_of_first_over_time":
                    floats[index] = Self.histogramWindowNumber(function.name, window, starts: windowStarts)
                    any = true
                    continue
                default:
                    break
                }
                if existing != nil {
                    // Floats and histograms in one window: no answer (Prometheus warns for the rate family).
                    if let row = byLabels[labels] { results[row].values[index] = nil }
                    if ["rate", "increase", "delta", "sum_over_time", "avg_over_time"].contains(function.name) {
                        warn("encountered a mix of histograms and floats for metric name \(goQuote(labels.metricName))", at: position)
                    }
                    continue
                }
                if let value = histogramWindow(function.name, window, starts: windowStarts, range: range, end: end, labels: labels, position: position) {
                    stepHistograms[index] = value
                    any = true
                }
            }
            guard any else { continue }
            if let row = byLabels[labels] {
                results[row].histograms = stepHistograms
                for index in 0..<steps.count where floats[index] != nil { results[row].values[index] = floats[index] }
            } else {
                let kept = stepHistograms.contains { $0 != nil } ? stepHistograms : nil
                results.append(StepSeries(labels: labels, values: floats, histograms: kept, dropName: !keepsName))
            }
        }
        results.sort { $0.labels < $1.labels }
    }

    /// One window's histogram result.
    func histogramWindow(_ name: String, _ window: [HistogramSample], starts: [Int64]? = nil, range: Int64, end: Int64, labels: Labels,
                         position: Int?) -> FloatHistogram? {
        switch name {
        case "last_over_time": return window.last!.histogram
        case "first_over_time": return window.first!.histogram
        case "sum_over_time", "avg_over_time":
            do {
                var total = HistogramKahanSum(window[0].histogram)
                var reconciled = false
                for sample in window.dropFirst() {
                    reconciled = try total.add(sample.histogram).customBoundsReconciled || reconciled
                }
                if Self.resetHintsCollide(window.map(\.histogram)) { warn("conflicting counter resets during histogram aggregation", at: position) }
                if reconciled { inform("mismatched custom buckets were reconciled during aggregation", at: position) }
                if name == "avg_over_time" { return try HistogramKahanSum.mean(window.map(\.histogram)).compacted() }
                return total.result.compacted()
            } catch {
                warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
                return nil
            }
        case "rate", "increase", "delta":
            return histogramRate(window, starts: name == "delta" ? nil : starts, counter: name != "delta", rate: name == "rate", range: range, end: end,
                                 labels: labels, position: position)
        case "irate", "idelta":
            guard window.count >= 2 else { return nil }
            let previous = window[window.count - 2], last = window[window.count - 1]
            var result = last.histogram
            if name == "idelta" && (previous.histogram.counterResetHint != .gauge || last.histogram.counterResetHint != .gauge) {
                warn("this native histogram metric is not a gauge: \(goQuote(labels.metricName))", at: position)
            }
            if name == "irate" && (previous.histogram.counterResetHint == .gauge || last.histogram.counterResetHint == .gauge) {
                warn("this native histogram metric is not a counter: \(goQuote(labels.metricName))", at: position)
            }
            let startReset = name == "irate" && starts.map { Self.startReset($0, window, at: window.count - 1) } == true
            if name == "idelta" || !(last.histogram.isCounterReset(after: previous.histogram) || startReset) {
                do {
                    if try result.subtract(previous.histogram).customBoundsReconciled {
                        inform("mismatched custom buckets were reconciled during subtraction", at: position)
                    }
                } catch {
                    warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
                    return nil
                }
            }
            if name == "irate" {
                let seconds = Double(last.timestamp - previous.timestamp) / 1000
                guard seconds != 0 else { return nil }
                result.divide(by: seconds)
            }
            result.counterResetHint = .gauge
            return result.compacted()
        default:
            return nil
        }
    }

    /// Whether some of the histograms say "counter reset" and others "no counter reset": summing
    /// them mixes counts from before and after a reset (a gauge or an unknown hint among them
    /// does not hide the conflict).
    static func resetHintsCollide(_ histograms: [FloatHistogram]) -> Bool {
        histograms.contains { $0.counterResetHint == .reset } && histograms.contains { $0.counterResetHint == .notReset }
    }

    /// A float read off a window of histograms: counter resets, changes, or a sample's time.
    static func histogramWindowNumber(_ name: String, _ window: [HistogramSample], starts: [Int64]? = nil) -> Double {
        switch name {
        case "resets":
            return Double(window.indices.dropFirst().filter { index in
                window[index].histogram.isCounterReset(after: window[index - 1].histogram) || starts.map { startReset($0, window, at: index) } == true
            }.count)
        case "changes": return Double(zip(window, window.dropFirst()).filter { $0.histogram != $1.histogram }.count)
        case "ts_of_last_over_time": return Double(window.last!.timestamp) / 1000
        default: return Double(window.first!.timestamp) / 1000
        }
    }

    /// The change over the window, corrected for counter resets and extrapolated to the window's
    /// edges as the float rate is (Prometheus's `histogramRate` within `extrapolatedRate`).
    private func histogramRate(_ window: [HistogramSample], starts: [Int64]?, counter: Bool, rate: Bool, range: Int64, end: Int64, labels: Labels,
                               position: Int?) -> FloatHistogram? {
        let first = window.first!, last = window.last!
        let rangeStart = end - range
        // A first sample whose start lies inside the window counts from zero at that start.
        let firstStart = starts?.first ?? 0
        let countsFromStart = counter && firstStart != 0 && firstStart > rangeStart && firstStart < first.timestamp
        guard window.count >= 2 || countsFromStart else { return nil }
        if counter && window.dropFirst().contains(where: { $0.histogram.counterResetHint == .gauge }) {
            warn("this native histogram metric is not a counter: \(goQuote(labels.metricName))", at: position)
        }
        if !counter && (first.histogram.counterResetHint != .gauge || last.histogram.counterResetHint != .gauge) {
            warn("this native histogram metric is not a gauge: \(goQuote(labels.metricName))", at: position)
        }
        // A counter that resets right after the first sample starts from nothing: only the first
        // sample's count is read (for the extrapolation), so its buckets' layout does not matter.
        var base = first.histogram
        func resets(at index: Int, after previous: FloatHistogram) -> Bool {
            window[index].histogram.isCounterReset(after: previous) || starts.map { Self.startReset($0, window, at: index) } == true
        }
        if counter && window.count >= 2 && resets(at: 1, after: first.histogram) {
            base = FloatHistogram()
            base.schema = window[1].histogram.schema
            base.customValues = window[1].histogram.customValues
        }
        guard base.usesCustomBuckets == last.histogram.usesCustomBuckets else {
            warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
            return nil
        }
        let schema = ([base] + window.dropFirst().map(\.histogram)).map(\.schema).min()!
        var result = last.histogram.usesCustomBuckets ? last.histogram : last.histogram.reduced(to: schema)
        do {
            if try result.subtract(base).customBoundsReconciled {
                inform("mismatched custom buckets were reconciled during subtraction", at: position)
            }
            if counter {
                var previous = base
                for index in window.indices.dropFirst() {
                    if resets(at: index, after: previous), try result.add(previous).customBoundsReconciled {
                        inform("mismatched custom buckets were reconciled during aggregation", at: position)
                    }
                    previous = window[index].histogram
                }
                if countsFromStart, try result.add(first.histogram).customBoundsReconciled {
                    inform("mismatched custom buckets were reconciled during aggregation", at: position)
                }
            }
        } catch {
            warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(labels.metricName))", at: position)
            return nil
        }
        result.counterResetHint = .gauge
        var durationToStart = Double(first.timestamp - rangeStart) / 1000
        var durationToEnd = Double(end - last.timestamp) / 1000
        var sampled = Double(last.timestamp - first.timestamp) / 1000
        let average = window.count > 1 ? sampled / Double(window.count - 1) : 0
        let threshold = average * 1.1
        if countsFromStart {
            durationToStart = 0
            sampled = Double(last.timestamp - firstStart) / 1000
        } else {
            if durationToStart >= threshold { durationToStart = average / 2 }
            if counter && result.count > 0 && first.histogram.count >= 0 {
                let durationToZero = sampled * (first.histogram.count / result.count)
                if durationToZero < durationToStart { durationToStart = durationToZero }
            }
        }
        if durationToEnd >= threshold { durationToEnd = average / 2 }
        var factor = sampled != 0 ? (sampled + durationToStart + durationToEnd) / sampled : 1
        if rate { factor /= Double(range) / 1000 }
        result.multiply(by: factor)
        return result.compacted()
    }

    /// Whether the start timestamp of sample `index` says its counter restarted after the sample before.
    static func startReset(_ starts: [Int64], _ window: [HistogramSample], at index: Int) -> Bool {
        isStartTimestampReset(starts[index - 1], window[index - 1].timestamp, starts[index], window[index].timestamp)
    }

    /// Whether some sample's start falls before the previous sample without repeating its start.
    static func startTimesOverlap(_ timestamps: [Int64], _ starts: [Int64]) -> Bool {
        timestamps.indices.dropFirst().contains { index in
            starts[index] != 0 && starts[index] < timestamps[index - 1] && starts[index] != starts[index - 1]
        }
    }
}
