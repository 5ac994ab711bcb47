import Foundation

/// Splits the inside of one `{{ … }}` action into tokens, as Go's text/template lexer does.
struct TemplateLexer {
    enum Kind: Equatable {
        case identifier(String)
        /// `.Name` (one segment; a chain is several in a row without space).
        case field(String)
        /// `.` alone.
        case dot
        /// `$name`, or `$` alone.
        case variable(String)
        case string(String)
        case number(Double, text: String)
        case leftParen, rightParen, pipe, declare, assign, comma
    }

    /// Go's message for a character the lexer cannot take.
    struct LexError: Error {
        let message: String
    }

    struct Token: Equatable {
        var kind: Kind
        /// Whether blank space came before it (a field right after a term continues the term).
        var spaced: Bool
    }

    /// Tokens of `text`, or the message Go gives for the first bad character.
    static func tokens(_ text: String) -> Result<[Token], LexError> {
        let characters = Array(text)
        var index = 0
        var tokens: [Token] = []
        var spaced = true
        func isIdentifier(_ character: Character) -> Bool { character == "_" || character.isLetter || character.isNumber }
        while index < characters.count {
            let character = characters[index]
            if character == " " || character == "\t" || character == "\n" || character == "\r" {
                spaced = true
                index += 1
                continue
            }
            var kind: Kind
            switch character {
            case "(": kind = .leftParen; index += 1
            case ")": kind = .rightParen; index += 1
            case "|": kind = .pipe; index += 1
            case ",": kind = .comma; index += 1
            case "=": kind = .assign; index += 1
            case ":":
                guard index + 1 < characters.count, characters[index + 1] == "=" else { return .failure(LexError(message: "expected :=")) }
                kind = .declare
                index += 2
            case "$":
                var end = index + 1
                while end < characters.count, isIdentifier(characters[end]) { end += 1 }
                kind = .variable(String(characters[index..<end]))
                index = end
            case ".":
                if index + 1 < characters.count, characters[index + 1].isNumber {
                    fallthrough
                }
                var end = index + 1
                while end < characters.count, isIdentifier(characters[end]) { end += 1 }
                kind = end == index + 1 ? .dot : .field(String(characters[(index + 1)..<end]))
                index = end
            case "0"..."9", "-", "+", ".":
                var end = index + 1
                while end < characters.count, characters[end].isNumber || "._xXabcdefABCDEFoOpP+-".contains(characters[end]) {
                    // A sign only follows an exponent marker.
                    if "+-".contains(characters[end]), !"eEpP".contains(characters[end - 1]) { break }
                    end += 1
                }
                let text = String(characters[index..<end])
                guard let value = Self.number(text) else { return .failure(LexError(message: "bad number syntax: \"\(text)\"")) }
                kind = .number(value, text: text)
                index = end
            case "\"":
                var value = ""
                var end = index + 1
                while true {
                    guard end < characters.count, characters[end] != "\n" else { return .failure(LexError(message: "unterminated quoted string")) }
                    let next = characters[end]
                    if next == "\"" { break }
                    if next == "\\", end + 1 < characters.count {
                        end += 1
                        switch characters[end] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "'": value.append("'")
                        default: value.append("\\"); value.append(characters[end])
                        }
                    } else {
                        value.append(next)
                    }
                    end += 1
                }
                kind = .string(value)
                index = end + 1
            case "`":
                guard let close = characters[(index + 1)...].firstIndex(of: "`") else { return .failure(LexError(message: "unterminated raw quoted string")) }
                kind = .string(String(characters[(index + 1)..<close]))
                index = close + 1
            case "'":
                guard index + 2 < characters.count, characters[index + 2] == "'" else { return .failure(LexError(message: "unterminated character constant")) }
                kind = .number(Double(characters[index + 1].unicodeScalars.first!.value), text: String(characters[index...(index + 2)]))
                index += 3
            default:
                guard isIdentifier(character) else { return .failure(LexError(message: "unexpected \"\(character)\" in command")) }
                var end = index
                while end < characters.count, isIdentifier(characters[end]) { end += 1 }
                kind = .identifier(String(characters[index..<end]))
                index = end
            }
            tokens.append(Token(kind: kind, spaced: spaced))
            spaced = false
        }
        return .success(tokens)
    }

    /// Go's number literals: decimal, float, hex, octal and binary, `_` separators.
    static func number(_ text: String) -> Double? {
        let clean = text.replacingOccurrences(of: "_", with: "")
        let negative = clean.hasPrefix("-")
        let body = clean.hasPrefix("-") || clean.hasPrefix("+") ? String(clean.dropFirst()) : clean
        let lower = body.lowercased()
        var magnitude: Double?
        if lower.hasPrefix("0x") { magnitude = UInt64(lower.dropFirst(2), radix: 16).map(Double.init) }
        else if lower.hasPrefix("0o") { magnitude = UInt64(lower.dropFirst(2), radix: 8).map(Double.init) }
        else if lower.hasPrefix("0b") { magnitude = UInt64(lower.dropFirst(2), radix: 2).map(Double.init) }
        else if lower.count > 1, lower.hasPrefix("0"), lower.allSatisfy(\.isNumber) { magnitude = UInt64(lower.dropFirst(), radix: 8).map(Double.init) }
        else { magnitude = Double(lower) }
        return magnitude.map { negative ? -$0 : $0 }
    }
}
