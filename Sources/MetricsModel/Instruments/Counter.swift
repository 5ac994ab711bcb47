import Synchronization

/// A Prometheus counter by label values, for metricsd's own metrics.
package final class Counter: Sendable {
    package let name: String
    package let help: String
    package let labelNames: [String]
    private let values = Mutex([[String]: Double]())

    package init(_ name: String, _ help: String, labels: [String] = []) {
        self.name = name
        self.help = help
        self.labelNames = labels
    }

    package func add(_ amount: Double = 1, _ labelValues: String...) {
        precondition(labelValues.count == labelNames.count, "\(name) takes \(labelNames.count) label values")
        values.withLock { $0[labelValues, default: 0] += amount }
    }

    /// The current value of one series (0 if it was never incremented).
    package func value(_ labelValues: String...) -> Double {
        values.withLock { $0[labelValues] ?? 0 }
    }

    /// Appends the family; an unlabelled counter shows 0 before its first increment.
    package func write(to text: inout MetricsText) {
        var copy = values.withLock { $0 }
        if labelNames.isEmpty && copy.isEmpty { copy[[]] = 0 }
        guard !copy.isEmpty else { return }
        text.header(name, "counter", help)
        for (labelValues, value) in copy.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            text.sample(name, labelNames, labelValues, value)
        }
    }
}
