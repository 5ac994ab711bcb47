import MetricsModel

extension Expr: CustomStringConvertible {
    /// Canonical PromQL text, as Prometheus prints it; parsing it gives back an equal tree.
    package var description: String {
        switch self {
        case .number(let value): return Self.format(value)
        case .string(let value): return Self.quote(value)
        case .vector(let selector): return selector.description
        case .matrix(let selector, let range):
            var plain = selector
            plain.modifiers = Modifiers()
            return plain.description + "[\(range)]" + selector.modifiers.description
        case .subquery(let subquery):
            return subquery.expr.description + "[\(subquery.range):\(subquery.step.map(\.description) ?? "")]" + subquery.modifiers.description
        case .call(let function, let args, _): return function.name + "(" + args.map(\.description).joined(separator: ", ") + ")"
        case .aggregate(let aggregate):
            var out = aggregate.op.rawValue
            // As Prometheus prints it: `without` always, `by` only with labels (`by ()` means no grouping).
            if aggregate.without || !aggregate.grouping.isEmpty {
                out += (aggregate.without ? " without (" : " by (") + aggregate.grouping.map(Self.labelName).joined(separator: ", ") + ") "
            }
            let args = (aggregate.parameter.map { [$0.description] } ?? []) + [aggregate.expr.description]
            return out + "(" + args.joined(separator: ", ") + ")"
        case .binary(let binary):
            var op = binary.op.rawValue
            if binary.returnBool { op += " bool" }
            if let matching = binary.matching, matching.on || !matching.labels.isEmpty {
                op += (matching.on ? " on (" : " ignoring (") + matching.labels.map(Self.labelName).joined(separator: ", ") + ")"
                if matching.cardinality == .manyToOne || matching.cardinality == .oneToMany {
                    op += (matching.cardinality == .manyToOne ? " group_left (" : " group_right (") + matching.include.map(Self.labelName).joined(separator: ", ") + ")"
                }
            }
            if let matching = binary.matching {
                switch (matching.fillLeft, matching.fillRight) {
                case (let left?, let right?) where left.bitPattern == right.bitPattern: op += " fill(\(Self.format(left)))"
                default:
                    if let left = matching.fillLeft { op += " fill_left(\(Self.format(left)))" }
                    if let right = matching.fillRight { op += " fill_right(\(Self.format(right)))" }
                }
            }
            return binary.lhs.description + " " + op + " " + binary.rhs.description
        case .unary(let negative, let inner): return (negative ? "-" : "+") + inner.description
        case .paren(let inner): return "(" + inner.description + ")"
        }
    }

    /// Numbers as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes them, with `Inf` spelled as PromQL reads it.
    static func format(_ value: Double) -> String {
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return GoFloat.formatPlain(value)
    }

    /// A string literal as PromQL prints it (Go's `%q`).
    static func quote(_ value: String) -> String { goQuote(value) }

    /// A label name as written in PromQL: bare when it is a legacy name, quoted otherwise.
    static func labelName(_ name: String) -> String {
        LabelName.isLegacyLabelName(name) ? name : quote(name)
    }
}

extension VectorSelector: CustomStringConvertible {
    package var description: String {
        var out = ""
        var parts = matchers.map { Expr.labelName($0.name) + $0.type.rawValue + Expr.quote($0.value) }
        if let name {
            // A legacy name goes before the braces; a UTF-8 one is a quoted string inside them.
            if LabelName.isLegacyMetricName(name) { out = name } else { parts.insert(Expr.quote(name), at: 0) }
        }
        if !parts.isEmpty || out.isEmpty { out += "{" + parts.joined(separator: ", ") + "}" }
        return out + modifiers.description
    }
}

extension Modifiers: CustomStringConvertible {
    package var description: String {
        // As Prometheus prints them: `@` before `offset`.
        var out = ""
        switch at {
        case .timestamp(let milliseconds):
            out += " @ " + Timestamps.secondsText(milliseconds)
        case .start: out += " @ start()"
        case .end: out += " @ end()"
        case nil: break
        }
        if let offset {
            if case .negate(let inner) = offset { out += " offset -\(inner)" } else { out += " offset \(offset)" }
        }
        if let extended { out += " " + extended.rawValue }
        return out
    }
}

extension DurationExpr: CustomStringConvertible {
    package var description: String {
        switch self {
        case .literal(let milliseconds): return PromDuration(milliseconds: milliseconds).description
        case .seconds(let seconds): return Expr.format(seconds)
        case .binary(let op, let lhs, let rhs): return "\(lhs) \(op.rawValue) \(rhs)"
        case .negate(let inner): return "-\(inner)"
        case .paren(let inner): return "(\(inner))"
        case .call(let name, let args): return name + "(" + args.map(\.description).joined(separator: ", ") + ")"
        }
    }
}
