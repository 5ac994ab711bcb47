/// A PromQL token with its byte range in the query.
struct Token: Equatable {
    enum Kind: Equatable {
        case identifier        // metric names, label names, function names, keywords
        case number(Double)
        case duration(Int64)   // milliseconds
        case string(String)
        case op(String)        // + - * / % ^ == != > < >= <= =~ !~ = @
        case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, comma, colon
        case end
    }

    var kind: Kind
    var text: Substring
    /// Byte offset of the first character, 0-based.
    var start: Int
    /// What the lexer found wrong at this token (an unclosed or unmatched parenthesis), reported as
    /// Prometheus's lexer reports it if the parser stops here.
    var lexError: String?
    /// A string literal's bytes when its escapes make them invalid UTF-8 (its `.string` value then
    /// has U+FFFD in their place); the parser refuses such a literal.
    var invalidUTF8: [UInt8]?

    init(kind: Kind, text: Substring, start: Int, lexError: String? = nil) {
        self.kind = kind
        self.text = text
        self.start = start
        self.lexError = lexError
    }
}

/// A query that does not parse or type-check: where, and what was expected.
package struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offsets of the offending text, 0-based, half-open.
    package let start: Int
    package let end: Int
    package let message: String

    /// 1-based line and byte column of `start` in the query (see `located(in:)`).
    package private(set) var line = 1
    package private(set) var column: Int

    package init(start: Int, end: Int, message: String) {
        self.start = start
        self.end = end
        self.message = message
        column = start + 1
    }

    /// The error with its line and column counted in `query`, as Go counts them (bytes since the
    /// last line break).
    func located(in query: String) -> ParseError {
        var located = self
        let before = query.utf8.prefix(max(0, start))
        located.line = 1 + before.count { $0 == UInt8(ascii: "\n") }
        let lastBreak = before.lastIndex(of: UInt8(ascii: "\n")).map { query.utf8.distance(from: query.utf8.startIndex, to: $0) } ?? -1
        located.column = start - lastBreak
        return located
    }

    /// Prometheus's form: `1:5: parse error: unexpected …` (line and 1-based column of the start).
    package var description: String { "\(line):\(column): parse error: \(message)" }
}
