import Synchronization

/// A Prometheus summary by label values: sum and count since the start, and quantiles over the most
/// recent observations. Prometheus's client keeps a decaying ten-minute window; a ring of the last
/// `window` observations per series answers the same question (how slow is it lately) in fixed memory.
package final class Summary: Sendable {
    package let name: String
    package let help: String
    package let labelNames: [String]
    package let quantiles: [Double]
    let window: Int

    struct Series {
        var recent: [Double] = []
        var next = 0
        var sum = 0.0
        var count: UInt64 = 0
    }

    private let series = Mutex([[String]: Series]())

    package init(_ name: String, _ help: String, labels: [String] = [], quantiles: [Double] = [0.5, 0.9, 0.99], window: Int = 512) {
        self.name = name
        self.help = help
        self.labelNames = labels
        self.quantiles = quantiles
        self.window = window
    }

    /// Makes the series exist before its first observation (NaN quantiles, zero count), as client
    /// libraries do for label values known in advance.
    package func initialize(_ labelValues: String...) {
        precondition(labelValues.count == labelNames.count, "\(name) takes \(labelNames.count) label values")
        series.withLock { series in
            if series[labelValues] == nil { series[labelValues] = Series() }
        }
    }

    package func observe(_ value: Double, _ labelValues: String...) {
        observe(value, labelValues: labelValues)
    }

    package func observe(_ value: Double, labelValues: [String]) {
        precondition(labelValues.count == labelNames.count, "\(name) takes \(labelNames.count) label values")
        let window = window
        series.withLock { series in
            var entry = series.removeValue(forKey: labelValues) ?? Series()
            if entry.recent.count < window {
                entry.recent.append(value)
            } else {
                entry.recent[entry.next] = value
                entry.next = (entry.next + 1) % window
            }
            entry.sum += value
            entry.count += 1
            series[labelValues] = entry
        }
    }

    /// Appends the family in Prometheus text format. Quantiles of a series with no recent
    /// observations are NaN, as Prometheus's are.
    package func write(to text: inout MetricsText) {
        var copy = series.withLock { $0 }
        if labelNames.isEmpty && copy.isEmpty { copy[[]] = Series() }
        guard !copy.isEmpty else { return }
        text.header(name, "summary", help)
        for (values, entry) in copy.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let sorted = entry.recent.sorted()
            for quantile in quantiles {
                // The nearest-rank quantile of the recent observations.
                let rank = max(1, Int((quantile * Double(sorted.count)).rounded(.up)))
                let value = sorted.isEmpty ? Double.nan : sorted[min(sorted.count, rank) - 1]
                text.sample(name, labelNames + ["quantile"], values + [GoFloat.formatG(quantile)], value)
            }
            text.sample(name + "_sum", labelNames, values, entry.sum)
            text.sample(name + "_count", labelNames, values, Double(entry.count))
        }
    }
}
