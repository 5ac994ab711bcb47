/// A regular expression that must match the whole string, as Prometheus compiles every label
/// regex: `^(?s:pattern)$`. Dot matches newline (Prometheus 3.x).
///
/// `matches(_:)` takes a fast path when the pattern is a literal, an alternation of literals,
/// or a literal with `.*` on one or both sides, the cases Prometheus's FastRegexMatcher handles;
/// anything else runs on RE2, after a cheap literal-prefix check where the pattern has one.
package struct AnchoredRegex: Sendable, CustomStringConvertible {
    /// The pattern as the user wrote it.
    package let pattern: String
    /// The compiled, anchored expression; used for group extraction and the general case.
    package let compiled: RE2Regex
    /// How `matches` decides without RE2, when it can.
    let fastPath: FastPath

    package init(_ pattern: String) throws(RegexError) {
        self.pattern = pattern
        compiled = try RE2Regex("^(?s:" + rewriteNamedGroups(pattern) + ")$")
        fastPath = FastPath.analyze(pattern)
    }

    package var description: String { pattern }

    /// Whether the whole of `text` matches.
    @inline(__always)
    package func matches(_ text: String) -> Bool {
        switch fastPath {
        case .any: return true
        case .nonEmpty: return !text.isEmpty
        case .literal(let literal): return text == literal
        case .set(let set): return set.contains(text)
        case .prefix(let prefix): return text.hasPrefixBytes(prefix)
        case .suffix(let suffix): return text.hasSuffixBytes(suffix)
        case .contains(let needle): return needle.isEmpty || text.containsBytes(needle)
        case .regex(let prefix):
            if !prefix.isEmpty && !text.hasPrefixBytes(prefix) { return false }
            return compiled.fullMatch(text)
        }
    }

    /// Matches the whole of `text`, filling `offsets` with group byte offsets (see `RE2Regex`).
    package func match(_ text: String, groupOffsets offsets: inout [Int64]) -> Bool {
        compiled.fullMatch(text, groupOffsets: &offsets)
    }

    /// The literal strings this regex matches, when it is a literal or an alternation of literals.
    /// The PromQL engine and the index use it to turn `=~"a|b"` into set lookups.
    var literalSet: [String]? {
        switch fastPath {
        case .literal(let literal): return [literal]
        case .set(let set): return set.sorted()
        default: return nil
        }
    }
}

extension AnchoredRegex: Equatable {
    package static func == (lhs: AnchoredRegex, rhs: AnchoredRegex) -> Bool { lhs.pattern == rhs.pattern }
}

extension String {
    @inline(__always) func hasPrefixBytes(_ prefix: String) -> Bool {
        let p = prefix.utf8
        let s = utf8
        guard s.count >= p.count else { return false }
        return s.starts(with: p)
    }

    @inline(__always) func hasSuffixBytes(_ suffix: String) -> Bool {
        let p = suffix.utf8
        let s = utf8
        guard s.count >= p.count else { return false }
        return s.reversed().starts(with: p.reversed())
    }

    func containsBytes(_ needle: String) -> Bool {
        var haystack = self
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard n.count <= h.count else { return false }
                if n.isEmpty { return true }
                let first = n[0]
                var i = 0
                let last = h.count - n.count
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count && h[i + j] == n[j] { j += 1 }
                        if j == n.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }
}
