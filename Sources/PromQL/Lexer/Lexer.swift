import MetricsModel

/// Splits a PromQL query into tokens. Works on UTF-8 bytes; strings keep their Unicode content.
struct Lexer {
    let source: String
    let bytes: [UInt8]
    var position = 0
    /// Inside `[…]` a colon separates range and step; elsewhere it is part of metric names.
    var bracketDepth = 0
    /// Open parentheses, for Prometheus's "unclosed left parenthesis" at the end.
    var parenDepth = 0

    init(_ source: String) {
        self.source = source
        bytes = Array(source.utf8)
    }

    static func tokenize(_ source: String) throws(ParseError) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func text(_ start: Int, _ end: Int) -> Substring {
        let utf8 = source.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: start)
        let to = utf8.index(utf8.startIndex, offsetBy: end)
        return source[from..<to]
    }

    private func error(_ message: String, _ start: Int, _ end: Int? = nil) -> ParseError {
        ParseError(start: start, end: end ?? min(start + 1, bytes.count), message: message)
    }

    mutating func next() throws(ParseError) -> Token {
        skipSpaceAndComments()
        let start = position
        guard position < bytes.count else {
            let unclosed = parenDepth > 0 ? "unclosed left parenthesis" : bracketDepth > 0 ? "unclosed left bracket" : nil
            return Token(kind: .end, text: "", start: start, lexError: unclosed)
        }
        let b = bytes[position]
        func single(_ kind: Token.Kind) -> Token {
            position += 1
            return Token(kind: kind, text: text(start, position), start: start)
        }
        switch b {
        case UInt8(ascii: "("):
            parenDepth += 1
            return single(.leftParen)
        case UInt8(ascii: ")"):
            parenDepth -= 1
            var token = single(.rightParen)
            if parenDepth < 0 { token.lexError = "unexpected right parenthesis ')'" }
            return token
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: "["):
            bracketDepth += 1
            return single(.leftBracket)
        case UInt8(ascii: "]"):
            bracketDepth = max(0, bracketDepth - 1)
            return single(.rightBracket)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ":") where bracketDepth > 0: return single(.colon)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "^"), UInt8(ascii: "@"):
            position += 1
            return Token(kind: .op(String(UnicodeScalar(b))), text: text(start, position), start: start)
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            let next = position + 1 < bytes.count ? bytes[position + 1] : 0
            var op = String(UnicodeScalar(b))
            if next == UInt8(ascii: "=") || (next == UInt8(ascii: "~") && (b == UInt8(ascii: "=") || b == UInt8(ascii: "!")))
                || (next == UInt8(ascii: "/") && (b == UInt8(ascii: "<") || b == UInt8(ascii: ">"))) {
                op.append(Character(UnicodeScalar(next)))
                position += 2
            } else {
                guard b != UInt8(ascii: "!") else { throw error("unexpected character after '!': \(Self.describe(next))", start, start + 2) }
                position += 1
            }
            return Token(kind: .op(op), text: text(start, position), start: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
            return try lexString(quote: b)
        default:
            if Self.isDigit(b) || (b == UInt8(ascii: ".") && position + 1 < bytes.count && Self.isDigit(bytes[position + 1])) {
                return try lexNumberOrDuration()
            }
            if Self.isIdentifierStart(b) {
                let colons = bracketDepth == 0
                while position < bytes.count && Self.isIdentifierChar(bytes[position]) && (colons || bytes[position] != UInt8(ascii: ":")) {
                    position += 1
                }
                let word = text(start, position)
                // Inf and NaN are numbers wherever an identifier could not follow.
                if word.lowercased() == "inf" || word.lowercased() == "nan" {
                    return Token(kind: .number(word.lowercased() == "inf" ? .infinity : .nan), text: word, start: start)
                }
                return Token(kind: .identifier, text: word, start: start)
            }
            throw error("unexpected character: \(Self.describe(b))", start)
        }
    }

    private mutating func skipSpaceAndComments() {
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                position += 1
            } else if b == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
            } else {
                return
            }
        }
    }

    /// Numbers (decimal, hex, exponent, `_` separators between digits) and durations (`5m`, `1h30m`, `500ms`).
    private mutating func lexNumberOrDuration() throws(ParseError) -> Token {
        let start = position
        if bytes[position] == UInt8(ascii: "0"), position + 1 < bytes.count, bytes[position + 1] | 0x20 == UInt8(ascii: "x") {
            position += 2
            let digits = position
            while position < bytes.count && (Self.isHexDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_")) { position += 1 }
            let cleaned = String(text(digits, position)).replacingUnderscores()
            guard let value = UInt64(cleaned, radix: 16) else { throw error("bad number or duration syntax: \"\(text(start, position))\"", start, position) }
            return Token(kind: .number(Double(value)), text: text(start, position), start: start)
        }
        // A duration is digits followed directly by a unit letter.
        var scan = position
        while scan < bytes.count && Self.isDigit(bytes[scan]) { scan += 1 }
        if scan < bytes.count, "smhdwy".utf8.contains(bytes[scan]) {
            var end = scan
            while end < bytes.count && (Self.isDigit(bytes[end]) || Self.isLetter(bytes[end])) { end += 1 }
            let word = String(text(start, end))
            guard let duration = PromDuration(parsing: word) else { throw error("bad number or duration syntax: \"\(word)\"", start, end) }
            position = end
            return Token(kind: .duration(duration.milliseconds), text: text(start, end), start: start)
        }
        while position < bytes.count && (Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_")) { position += 1 }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < bytes.count && (Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_")) { position += 1 }
        }
        if position < bytes.count && bytes[position] | 0x20 == UInt8(ascii: "e") {
            var look = position + 1
            if look < bytes.count && (bytes[look] == UInt8(ascii: "+") || bytes[look] == UInt8(ascii: "-")) { look += 1 }
            if look < bytes.count && Self.isDigit(bytes[look]) {
                position = look
                while position < bytes.count && Self.isDigit(bytes[position]) { position += 1 }
            }
        }
        // A letter, digit or underscore straight after a number is a malformed number; a colon is not
        // (`[100:1]`, a subquery with a range and a step in seconds).
        if position < bytes.count && Self.isIdentifierChar(bytes[position]) && bytes[position] != UInt8(ascii: ":") {
            while position < bytes.count && Self.isIdentifierChar(bytes[position]) { position += 1 }
            throw error("bad number or duration syntax: \"\(text(start, position))\"", start, position)
        }
        let raw = String(text(start, position))
        let cleaned = raw.replacingUnderscores()
        guard !raw.hasSuffix("_"), !raw.contains("__"), case .success(let value) = GoFloat.parse(cleaned) else {
            throw error("bad number or duration syntax: \"\(raw)\"", start, position)
        }
        return Token(kind: .number(value), text: text(start, position), start: start)
    }

    /// `"…"` and `'…'` with Go escapes; `` `…` `` raw.
    private mutating func lexString(quote: UInt8) throws(ParseError) -> Token {
        let start = position
        position += 1
        var out: [UInt8] = []
        while position < bytes.count {
            let b = bytes[position]
            if b == quote {
                position += 1
                var token = Token(kind: .string(String(decoding: out, as: UTF8.self)), text: text(start, position), start: start)
                if String(validating: out, as: UTF8.self) == nil { token.invalidUTF8 = out }
                return token
            }
            if quote == UInt8(ascii: "`") {
                out.append(b)
                position += 1
                continue
            }
            if b == UInt8(ascii: "\n") { break }
            if b == UInt8(ascii: "\\") {
                guard position + 1 < bytes.count else { break }
                let escaped = bytes[position + 1]
                position += 2
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "a"): out.append(0x07)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "v"): out.append(0x0b)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): out.append(escaped)
                case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = escaped == UInt8(ascii: "x") ? 2 : escaped == UInt8(ascii: "u") ? 4 : 8
                    guard position + width <= bytes.count, let code = UInt32(String(text(position, position + width)), radix: 16) else {
                        throw error("invalid escape sequence in string", position - 2, position)
                    }
                    position += width
                    if escaped == UInt8(ascii: "x") {
                        out.append(UInt8(code))
                    } else {
                        guard let scalar = Unicode.Scalar(code) else { throw error("invalid Unicode code point in string", position - width - 2, position) }
                        out.append(contentsOf: Array(String(scalar).utf8))
                    }
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    guard position + 2 <= bytes.count, let code = UInt8(String(text(position - 1, position + 2)), radix: 8) else {
                        throw error("invalid escape sequence in string", position - 2, position)
                    }
                    position += 2
                    out.append(code)
                default:
                    throw error("unknown escape sequence '\\\(Character(UnicodeScalar(escaped)))' in string", position - 2, position)
                }
                continue
            }
            out.append(b)
            position += 1
        }
        throw error("unterminated quoted string", start, bytes.count)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) }
    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }
    static func isIdentifierStart(_ b: UInt8) -> Bool { isLetter(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") }
    static func isIdentifierChar(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }

    static func describe(_ b: UInt8) -> String {
        b == 0 ? "end of input" : "'\(Character(UnicodeScalar(b)))'"
    }
}

extension String {
    /// The number without its digit-group underscores (`1_000` → `1000`).
    package func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
