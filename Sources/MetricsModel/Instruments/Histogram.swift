import Synchronization

/// A Prometheus histogram with fixed upper bounds, by label values: what metricsd reports about
/// itself. Observing takes a short lock; rendering copies the counts.
package final class Histogram: Sendable {
    package let name: String
    package let help: String
    package let labelNames: [String]
    /// Upper bounds, ascending, without `+Inf` (always added).
    package let buckets: [Double]

    struct Series {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    private let series = Mutex([[String]: Series]())

    package init(_ name: String, _ help: String, labels: [String] = [], buckets: [Double]) {
        precondition(zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "bucket bounds must ascend")
        self.name = name
        self.help = help
        self.labelNames = labels
        self.buckets = buckets
    }

    /// Records one value for the series with `labelValues` (in the order of `labels`).
    package func observe(_ value: Double, _ labelValues: String...) {
        observe(value, labelValues: labelValues)
    }

    package func observe(_ value: Double, labelValues: [String]) {
        precondition(labelValues.count == labelNames.count, "\(name) takes \(labelNames.count) label values")
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        series.withLock { series in
            series[labelValues, default: Series(counts: Array(repeating: 0, count: buckets.count + 1))].counts[index] += 1
            series[labelValues]!.sum += value
            series[labelValues]!.count += 1
        }
    }

    /// Appends the family in Prometheus text format; nothing before the first observation of a
    /// labelled histogram (an unlabelled one shows zeros, as client libraries do).
    package func write(to text: inout MetricsText) {
        var copy = series.withLock { $0 }
        if labelNames.isEmpty && copy.isEmpty { copy[[]] = Series(counts: Array(repeating: 0, count: buckets.count + 1)) }
        guard !copy.isEmpty else { return }
        text.header(name, "histogram", help)
        for (values, entry) in copy.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var cumulative: UInt64 = 0
            for (index, bound) in (buckets + [Double.infinity]).enumerated() {
                cumulative += entry.counts[index]
                text.sample(name + "_bucket", labelNames + ["le"], values + [GoFloat.formatG(bound)], Double(cumulative))
            }
            text.sample(name + "_sum", labelNames, values, entry.sum)
            text.sample(name + "_count", labelNames, values, Double(entry.count))
        }
    }

    /// Prometheus's `ExponentialBuckets`: `count` bounds from `start`, each `factor` times the last.
    package static func exponential(start: Double, factor: Double, count: Int) -> [Double] {
        var bounds: [Double] = []
        var bound = start
        for _ in 0..<count {
            bounds.append(bound)
            bound *= factor
        }
        return bounds
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
