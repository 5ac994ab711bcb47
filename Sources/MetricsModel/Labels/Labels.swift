/// An immutable label set, sorted by name with unique names, the identity of a series.
///
/// The hash is computed once at construction from the bytes of every pair, so dictionary
/// lookups and shard selection cost one comparison of 64 bits before any string is read.
/// `stableHash` is the same in every process and on every machine (unlike `Hasher`),
/// so it can shard series and be written to disk.
package struct Labels: Sendable, Hashable, Comparable, RandomAccessCollection, CustomStringConvertible {
    package typealias Element = Label
    package typealias Index = Int

    private let pairs: [Label]
    /// A stable 64-bit hash of the pairs, equal for equal label sets.
    package let stableHash: UInt64

    /// The empty label set.
    package static let empty = Labels(sortedUnique: [])

    /// Builds a label set from pairs in any order; later duplicates of a name win. Empty values are kept
    /// here, as Prometheus's `labels.New` keeps them; `LabelsBuilder` drops them, as its builder does.
    package init(_ pairs: [Label]) {
        var sorted = pairs
        // Insertion sort: label sets are small and usually nearly sorted already (parsers emit
        // `__name__` first and exporters write labels in order). It is stable, so "later wins" holds.
        if sorted.count > 1 {
            for i in 1..<sorted.count where utf8Less(sorted[i].name, sorted[i - 1].name) {
                let item = sorted[i]
                var j = i - 1
                while j >= 0 && utf8Less(item.name, sorted[j].name) {
                    sorted[j + 1] = sorted[j]
                    j -= 1
                }
                sorted[j + 1] = item
            }
            var write = 0
            for read in 1..<sorted.count {
                if sorted[read].name == sorted[write].name {
                    sorted[write] = sorted[read]
                } else {
                    write += 1
                    if write != read { sorted[write] = sorted[read] }
                }
            }
            sorted.removeLast(sorted.count - write - 1)
        }
        self.init(sortedUnique: sorted)
    }

    /// Builds a label set from a dictionary.
    package init(_ dictionary: [String: String]) {
        self.init(dictionary.map { Label($0.key, $0.value) })
    }

    /// Wraps pairs that are already sorted by name with unique names. Checked in debug builds.
    package init(sortedUnique pairs: [Label]) {
        assert(zip(pairs, pairs.dropFirst()).allSatisfy { utf8Less($0.name, $1.name) })
        self.pairs = pairs
        self.stableHash = Labels.hash(pairs)
    }

    package var startIndex: Int { pairs.startIndex }
    package var endIndex: Int { pairs.endIndex }
    package subscript(position: Int) -> Label { pairs[position] }

    /// The value of `name`, or nil when the label is absent.
    package subscript(name: String) -> String? {
        var low = 0
        var high = pairs.count
        while low < high {
            let mid = (low + high) / 2
            let order = utf8Compare(pairs[mid].name, name)
            if order == 0 { return pairs[mid].value }
            if order < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// The value of `name`, or "" when absent, as Prometheus's `Labels.Get` returns it.
    package func get(_ name: String) -> String { self[name] ?? "" }

    /// The metric name, or "" when the set has none.
    package var metricName: String { self.get(LabelNames.metricName) }

    /// All pairs as an array, sorted by name.
    package var array: [Label] { pairs }

    /// The pairs as a dictionary.
    package var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) })
    }

    package static func == (lhs: Labels, rhs: Labels) -> Bool {
        lhs.stableHash == rhs.stableHash && lhs.pairs == rhs.pairs
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(stableHash)
    }

    /// Prometheus's `labels.Compare`: pairwise by name then value, then the shorter set first.
    package static func < (lhs: Labels, rhs: Labels) -> Bool {
        for (a, b) in zip(lhs.pairs, rhs.pairs) where a != b {
            return a < b
        }
        return lhs.pairs.count < rhs.pairs.count
    }

    /// `{a="1", b="2"}` with the metric name in front when there is one, as PromQL prints a series.
    package var description: String {
        var name = ""
        var parts: [String] = []
        for pair in pairs {
            if pair.name == LabelNames.metricName {
                name = pair.value
            } else {
                parts.append(pair.description)
            }
        }
        if parts.isEmpty && !name.isEmpty { return name }
        return name + "{" + parts.joined(separator: ", ") + "}"
    }

    /// A builder seeded with these labels.
    package func builder() -> LabelsBuilder { LabelsBuilder(self) }

    private static func hash(_ pairs: [Label]) -> UInt64 {
        var hasher = StableHasher()
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
        return hasher.value
    }
}

extension Labels: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { Label($0.0, $0.1) })
    }
}
