/// A set of targets sharing labels, as a discovery mechanism reports it (Prometheus's `targetgroup.Group`).
///
/// A group with no targets removes every target an earlier group of the same `source` contributed.
package struct TargetGroup: Sendable, Equatable {
    /// Identifies the group within its discovery mechanism (`pod/<ns>/<name>`, `node/<name>`, `<file>:<index>`).
    package var source: String
    /// Labels every target of the group gets; a target's own labels win.
    package var labels: [String: String]
    /// One label set per target; each holds at least `__address__`.
    package var targets: [[String: String]]

    package init(source: String, labels: [String: String] = [:], targets: [[String: String]] = []) {
        self.source = source
        self.labels = labels
        self.targets = targets
    }

    /// The discovered label set of each target: group labels overlaid by the target's.
    package var discoveredLabelSets: [[String: String]] {
        targets.map { target in labels.merging(target) { _, own in own } }
    }
}
