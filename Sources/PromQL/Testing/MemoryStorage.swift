import MetricsModel

/// An in-memory `Queryable`, for the test DSL and unit tests.
public final class MemoryStorage: Queryable, @unchecked Sendable {
    private var series: [Labels: [Sample]] = [:]

    public init() {}

    /// Appends samples (kept sorted; a sample at an existing timestamp replaces it).
    public func add(_ labels: Labels, _ samples: [Sample]) {
        var merged = series[labels] ?? []
        for sample in samples {
            if let index = merged.firstIndex(where: { $0.timestamp == sample.timestamp }) { merged[index] = sample } else { merged.append(sample) }
        }
        series[labels] = merged.sorted { $0.timestamp < $1.timestamp }
    }

    public func clear() { series = [:] }

    public func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        series.compactMap { labels, samples in
            guard labels.matches(matchers) else { return nil }
            let window = samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }
            return window.isEmpty ? nil : (labels, window)
        }.sorted { $0.0 < $1.0 }
    }
}
