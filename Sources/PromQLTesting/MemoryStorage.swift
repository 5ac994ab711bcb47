import MetricsModel
import PromQL

/// An in-memory `Queryable`, for the test DSL and unit tests.
package final class MemoryStorage: Queryable, @unchecked Sendable {
    private var series: [Labels: [Sample]] = [:]
    private var histogramSeries: [Labels: [HistogramSample]] = [:]
    /// Start timestamps by series and sample timestamp (the test DSL's `@st` lines).
    private var starts: [Labels: [Int64: Int64]] = [:]

    package init() {}

    /// Appends samples (kept sorted; a sample at an existing timestamp replaces it).
    package func add(_ labels: Labels, _ samples: [Sample]) {
        var merged = series[labels] ?? []
        for sample in samples {
            if let index = merged.firstIndex(where: { $0.timestamp == sample.timestamp }) { merged[index] = sample } else { merged.append(sample) }
        }
        series[labels] = merged.sorted { $0.timestamp < $1.timestamp }
    }

    /// Appends histogram samples (kept sorted; one at an existing timestamp replaces it).
    package func add(_ labels: Labels, _ samples: [HistogramSample]) {
        var merged = histogramSeries[labels] ?? []
        for sample in samples {
            if let index = merged.firstIndex(where: { $0.timestamp == sample.timestamp }) { merged[index] = sample } else { merged.append(sample) }
        }
        histogramSeries[labels] = merged.sorted { $0.timestamp < $1.timestamp }
    }

    func clear() {
        series = [:]
        histogramSeries = [:]
        starts = [:]
    }

    /// Records start timestamps for samples of `labels`, by sample timestamp.
    func addStartTimestamps(_ labels: Labels, _ startTimestamps: [Int64: Int64]) {
        starts[labels, default: [:]].merge(startTimestamps) { $1 }
    }

    package func startTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? {
        guard let known = starts[labels], let samples = series[labels] else { return nil }
        return samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }.map { known[$0.timestamp] ?? 0 }
    }

    package func histogramStartTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? {
        guard let known = starts[labels], let samples = histogramSeries[labels] else { return nil }
        return samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }.map { known[$0.timestamp] ?? 0 }
    }

    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        series.compactMap { labels, samples in
            guard labels.matches(matchers) else { return nil }
            let window = samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }
            return window.isEmpty ? nil : (labels, window)
        }.sorted { $0.0 < $1.0 }
    }

    /// Histograms with the counter-reset hints a store keeps (`FloatHistogram.storedHint`), as
    /// Prometheus's test storage, a real head, gives them back.
    package func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])] {
        histogramSeries.compactMap { labels, samples in
            guard labels.matches(matchers) else { return nil }
            let window = Self.withStoredHints(samples, floats: series[labels] ?? []).filter { $0.timestamp >= mint && $0.timestamp <= maxt }
            return window.isEmpty ? nil : (labels, window)
        }.sorted { $0.0 < $1.0 }
    }

    /// `samples` with each hint judged against the sample before it, when that is a histogram.
    static func withStoredHints(_ samples: [HistogramSample], floats: [Sample]) -> [HistogramSample] {
        var out = samples
        var floatIndex = 0
        var previous: HistogramSample?
        for index in out.indices {
            let time = out[index].timestamp
            var floatBetween = false
            while floatIndex < floats.count && floats[floatIndex].timestamp < time {
                if floats[floatIndex].timestamp > previous?.timestamp ?? Int64.min { floatBetween = true }
                floatIndex += 1
            }
            let before = floatBetween ? nil : previous?.histogram
            out[index].histogram.counterResetHint = samples[index].histogram.storedHint(after: before)
            previous = samples[index]
        }
        return out
    }
}
