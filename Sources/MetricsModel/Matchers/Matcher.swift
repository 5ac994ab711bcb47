/// How a matcher compares a label value.
package enum MatchType: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case regexMatch = "=~"
    case regexNoMatch = "!~"
}

/// A label matcher, `name op "value"`, as in PromQL selectors and `match[]` parameters.
/// An absent label matches as the empty string, as in Prometheus.
package struct Matcher: Sendable, Equatable, CustomStringConvertible {
    package let type: MatchType
    package let name: String
    package let value: String
    /// The compiled regex for `=~` and `!~`.
    package let regex: AnchoredRegex?

    /// Builds a matcher; regex matchers compile `value` here and throw when it is invalid.
    package init(_ type: MatchType, _ name: String, _ value: String) throws(RegexError) {
        self.type = type
        self.name = name
        self.value = value
        switch type {
        case .equal, .notEqual: regex = nil
        case .regexMatch, .regexNoMatch: regex = try AnchoredRegex(value)
        }
    }

    /// Whether `value` (the label's value, "" when absent) satisfies the matcher.
    @inline(__always)
    package func matches(_ candidate: String) -> Bool {
        switch type {
        case .equal: return candidate == value
        case .notEqual: return candidate != value
        case .regexMatch: return regex!.matches(candidate)
        case .regexNoMatch: return !regex!.matches(candidate)
        }
    }

    /// Whether the matcher accepts the empty string, i.e. also series without the label.
    package var matchesEmpty: Bool { matches("") }

    /// The set of values this matcher accepts when it is a finite set of literals
    /// (`="a"`, `=~"a|b"`), so an index can look them up instead of scanning.
    package var setMatches: [String]? {
        switch type {
        case .equal: return [value]
        case .regexMatch: return regex?.literalSet
        case .notEqual, .regexNoMatch: return nil
        }
    }

    package var description: String { name + type.rawValue + quoteLabelValue(value) }
}

extension Labels {
    /// Whether every matcher accepts this label set.
    package func matches(_ matchers: [Matcher]) -> Bool {
        for matcher in matchers where !matcher.matches(get(matcher.name)) {
            return false
        }
        return true
    }
}
