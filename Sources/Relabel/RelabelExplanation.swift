import MetricsModel

/// A target's relabeling replayed rule by rule: what each rule left, and which one dropped it.
/// Backs `tsq targets --explain` and `/api/v1/targets/relabel_steps`.
package struct RelabelExplanation: Sendable {
    package struct Step: Sendable {
        /// 1-based position in `relabel_configs`.
        package let index: Int
        package let rule: RelabelConfig
        /// The labels after the rule (unchanged input when it dropped the target).
        package let output: Labels
        /// False when this rule dropped the target; it is then the last step.
        package let keep: Bool

        package init(index: Int, rule: RelabelConfig, output: Labels, keep: Bool) {
            self.index = index
            self.rule = rule
            self.output = output
            self.keep = keep
        }
    }

    /// The discovered labels with the job's defaults: what the first rule saw.
    package let input: Labels
    package let steps: [Step]

    package init(input: Labels, steps: [Step]) {
        self.input = input
        self.steps = steps
    }

    /// Whether the target survives every rule.
    package var kept: Bool { steps.last?.keep ?? true }

    /// Replays `rules` over `input` one at a time.
    package static func explain(_ input: Labels, rules: [RelabelConfig]) -> RelabelExplanation {
        var builder = LabelsBuilder(input)
        var scratch = Relabeler.Scratch()
        var steps: [Step] = []
        for (offset, rule) in rules.enumerated() {
            let keep = Relabeler.apply(rule, to: &builder, scratch: &scratch)
            steps.append(Step(index: offset + 1, rule: rule, output: builder.labels(), keep: keep))
            if !keep { break }
        }
        return RelabelExplanation(input: input, steps: steps)
    }

    /// A human-readable account: one line per rule that changed or dropped the target.
    package func render(verbose: Bool = false) -> [String] {
        var lines: [String] = []
        var previous = input
        for step in steps {
            let rule = Self.describe(step.rule)
            if !step.keep {
                let value = step.rule.sourceLabels.map { previous.get($0) }.joined(separator: step.rule.separator)
                lines.append("  step \(step.index) \(rule): DROPPED (source value \(goQuote(value)))")
                break
            }
            let changes = Self.diff(previous, step.output)
            if changes.isEmpty {
                if verbose { lines.append("  step \(step.index) \(rule): no change") }
            } else {
                lines.append("  step \(step.index) \(rule): \(changes.joined(separator: ", "))")
            }
            previous = step.output
        }
        return lines
    }

    static func describe(_ rule: RelabelConfig) -> String {
        var parts = [rule.action.rawValue]
        if !rule.sourceLabels.isEmpty { parts.append("[\(rule.sourceLabels.joined(separator: ","))]") }
        parts.append("regex \(goQuote(rule.regex.pattern))")
        return parts.joined(separator: " ")
    }

    static func diff(_ before: Labels, _ after: Labels) -> [String] {
        var changes: [String] = []
        let old = before.dictionary
        let new = after.dictionary
        for name in Set(old.keys).union(new.keys).sorted() {
            switch (old[name], new[name]) {
            case (nil, let value?): changes.append("+\(name)=\(goQuote(value))")
            case (_?, nil): changes.append("-\(name)")
            case (let a?, let b?) where a != b: changes.append("\(name): \(goQuote(a)) → \(goQuote(b))")
            default: break
            }
        }
        return changes
    }
}
