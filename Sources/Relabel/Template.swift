import MetricsModel

/// A `$1` / `${1}` / `$name` / `${name}` template, parsed once with Go's `Regexp.Expand` rules:
/// a name is the longest run of letters, digits and `_`; all digits (no leading zero) is a group number;
/// `$$` is a literal `$`; a malformed `$` stays as text; unknown or unmatched groups expand to "".
struct Template: Sendable {
    enum Part: Sendable {
        case literal(String)
        /// A group index, or nil when it names no group (expands to "").
        case group(Int?)
    }

    let parts: [Part]
    /// True when the template holds no variables; `expand` then returns `literal`.
    let isLiteral: Bool
    /// The expansion when `isLiteral` (`$$` already folded to `$`).
    let literal: String

    init(_ template: String, regex: RE2Regex) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                literal += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let (name, number, remainder) = Template.extract(rest) else {
                literal += "$"
                continue
            }
            rest = remainder
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            if let number {
                parts.append(.group(number <= regex.groupCount ? number : nil))
            } else {
                parts.append(.group(regex.groupIndex(named: name)))
            }
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        isLiteral = !parts.contains { if case .group = $0 { return true } else { return false } }
        self.literal = parts.map { if case .literal(let text) = $0 { text } else { "" } }.joined()
    }

    /// Expands against `source`, whose match produced `offsets` (UTF-8 byte offsets per group).
    func expand(source: String, offsets: [Int64]) -> String {
        if isLiteral { return literal }
        var out = ""
        let utf8 = source.utf8
        for part in parts {
            switch part {
            case .literal(let text):
                out += text
            case .group(let index):
                guard let index, 2 * index + 1 < offsets.count, offsets[2 * index] >= 0 else { continue }
                let start = utf8.index(utf8.startIndex, offsetBy: Int(offsets[2 * index]))
                let end = utf8.index(utf8.startIndex, offsetBy: Int(offsets[2 * index + 1]))
                out += Substring(utf8[start..<end])
            }
        }
        return out
    }

    /// Go's `extract`: reads a variable name after `$`, braced or not.
    private static func extract(_ text: Substring) -> (String, Int?, Substring)? {
        var rest = text
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        var nameEnd = rest.startIndex
        for scalar in rest.unicodeScalars {
            guard isNameScalar(scalar) else { break }
            nameEnd = rest.unicodeScalars.index(after: nameEnd)
        }
        let name = String(rest[..<nameEnd])
        if name.isEmpty { return nil }
        rest = rest[nameEnd...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        var number: Int? = 0
        for byte in name.utf8 {
            guard byte >= 0x30 && byte <= 0x39, let current = number, current < 100_000_000 else { number = nil; break }
            number = current * 10 + Int(byte - 0x30)
        }
        if name.utf8.first == 0x30 && name.utf8.count > 1 { number = nil }
        return (name, number, rest)
    }

    /// Go's `unicode.IsLetter || unicode.IsDigit || '_'`.
    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
            return true
        default:
            return false
        }
    }
}
