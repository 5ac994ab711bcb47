/// What a pattern reduces to without running a regex engine.
enum FastPath: Sendable, Equatable {
    /// `.*`: every string.
    case any
    /// `.+`: every non-empty string.
    case nonEmpty
    /// A literal: only this string.
    case literal(String)
    /// `a|b|c` of literals.
    case set(Set<String>)
    /// `lit.*`.
    case prefix(String)
    /// `.*lit`.
    case suffix(String)
    /// `.*lit.*`.
    case contains(String)
    /// Needs RE2; a match must start with the given literal prefix (possibly empty).
    case regex(prefix: String)

    /// Reduces `pattern` (as the user wrote it, before anchoring). Conservative: anything not
    /// understood for certain is `.regex`, so the result is never wrong, only slower.
    static func analyze(_ pattern: String) -> FastPath {
        if pattern == ".*" { return .any }
        if pattern == ".+" { return .nonEmpty }
        let bytes = Array(pattern.utf8)

        // An alternation of plain literals, at top level or inside one non-capturing group.
        var body = bytes[...]
        if body.starts(with: Array("(?:".utf8)), body.last == UInt8(ascii: ")"), !body.isEmpty {
            let inner = body.dropFirst(3).dropLast()
            if !inner.contains(UInt8(ascii: "(")) && !inner.contains(UInt8(ascii: ")")) { body = inner }
        }
        if let alternatives = splitLiteralAlternation(body) {
            return alternatives.count == 1 ? .literal(alternatives[0]) : .set(Set(alternatives))
        }

        // .*lit, lit.*, .*lit.*
        let dotStar = Array(".*".utf8)
        let leading = bytes.starts(with: dotStar)
        let trailing = bytes.count >= 2 && Array(bytes.suffix(2)) == dotStar && !endsEscaped(bytes, before: bytes.count - 2)
        if leading || trailing {
            let start = leading ? 2 : 0
            let end = trailing ? bytes.count - 2 : bytes.count
            if start <= end, let middle = unescapeLiteral(bytes[start..<end]) {
                if leading && trailing { return .contains(middle) }
                return leading ? .suffix(middle) : .prefix(middle)
            }
        }
        return .regex(prefix: literalPrefix(bytes))
    }

    private static let metaCharacters = Set("\\.+*?()|[]{}^$".utf8)

    /// Whether the byte before `index` is an unpaired backslash.
    private static func endsEscaped(_ bytes: [UInt8], before index: Int) -> Bool {
        var count = 0
        var i = index - 1
        while i >= 0 && bytes[i] == UInt8(ascii: "\\") { count += 1; i -= 1 }
        return count % 2 == 1
    }

    /// The literal a run of pattern bytes stands for, or nil if it holds any regex syntax.
    /// `\` followed by ASCII punctuation is that punctuation; any other escape is syntax.
    static func unescapeLiteral(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") {
                let next = bytes.index(after: i)
                guard next < bytes.endIndex, isEscapablePunctuation(bytes[next]) else { return nil }
                out.append(bytes[next])
                i = bytes.index(after: next)
                continue
            }
            if metaCharacters.contains(b) { return nil }
            out.append(b)
            i = bytes.index(after: i)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isEscapablePunctuation(_ b: UInt8) -> Bool {
        b < 0x80 && !(b >= 0x30 && b <= 0x39) && !(b >= 0x41 && b <= 0x5a) && !(b >= 0x61 && b <= 0x7a) && b > 0x20
    }

    /// Splits on top-level `|` when every alternative is a plain literal.
    private static func splitLiteralAlternation(_ bytes: ArraySlice<UInt8>) -> [String]? {
        var result: [String] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i <= bytes.endIndex {
            let atEnd = i == bytes.endIndex
            if atEnd || (bytes[i] == UInt8(ascii: "|") && !endsEscaped(Array(bytes[start..<i]), before: i - start)) {
                guard let literal = unescapeLiteral(bytes[start..<i]) else { return nil }
                result.append(literal)
                start = i + 1
            }
            i += 1
        }
        return result
    }

    /// The literal every match must begin with, or "" when there is none for certain.
    private static func literalPrefix(_ bytes: [UInt8]) -> String {
        // A top-level alternation anywhere means no common prefix is guaranteed.
        var depth = 0
        var i = 0
        var inClass = false
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") { i += 2; continue }
            if inClass { if b == UInt8(ascii: "]") { inClass = false }; i += 1; continue }
            switch b {
            case UInt8(ascii: "["): inClass = true
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            case UInt8(ascii: "|") where depth == 0: return ""
            default: break
            }
            i += 1
        }
        var out: [UInt8] = []
        i = 0
        while i < bytes.count {
            let b = bytes[i]
            var literal: UInt8
            var width = 1
            if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count, isEscapablePunctuation(bytes[i + 1]) else { break }
                literal = bytes[i + 1]
                width = 2
            } else if metaCharacters.contains(b) || b >= 0x80 {
                // Stop at syntax, and at non-ASCII so a quantifier can't split a multi-byte character.
                break
            } else {
                literal = b
            }
            // A quantifier applies to the character before it, which then isn't certain.
            if i + width < bytes.count, "*+?{".utf8.contains(bytes[i + width]) { break }
            out.append(literal)
            i += width
        }
        return String(decoding: out, as: UTF8.self)
    }
}
