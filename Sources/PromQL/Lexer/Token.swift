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
}

/// A query that does not parse or type-check: where, and what was expected.
package struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offsets of the offending text, 0-based, half-open.
    package let start: Int
    package let end: Int
    package let message: String

    package init(start: Int, end: Int, message: String) {
        self.start = start
        self.end = end
        self.message = message
    }

    /// Prometheus's form: `1:5: parse error: unexpected …` (line and 1-based column).
    package var description: String { "\(start + 1):\(end + 1): parse error: \(message)" }
}
