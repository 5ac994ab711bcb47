/// Lints over a loaded rule file, as promtool's `--lint` runs them.
package enum RuleLint {
    /// A rule name and label set that more than one rule in the file produces.
    package struct Duplicate: Sendable, Equatable {
        package var name: String
        package var labels: [String: String]
    }

    /// Each (name, labels) written by two or more rules, once, in name order: such rules record
    /// into the same series and overwrite each other.
    package static func duplicates(_ file: RuleFile) -> [Duplicate] {
        var counts: [String: (Duplicate, Int)] = [:]
        for group in file.groups {
            for rule in group.rules {
                let key = rule.name + "\u{0}" + rule.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")
                counts[key, default: (Duplicate(name: rule.name, labels: rule.labels), 0)].1 += 1
            }
        }
        return counts.sorted { $0.key < $1.key }.filter { $0.value.1 > 1 }.map(\.value.0)
    }
}
