import Foundation

/// A Go `text/template` as Prometheus rules write them in labels and annotations, parsed once
/// at load so a syntax error, an undefined variable or an unknown function fails the rule file.
package struct Template: Sendable {
    package let name: String
    let nodes: [TemplateNode]

    /// Parses `text`; `variables` are those defined before it (Prometheus defines `$labels`,
    /// `$externalLabels`, `$externalURL` and `$value`), `functions` the names it may call.
    package init(_ text: String, name: String, variables: Set<String>, functions: Set<String>) throws(TemplateError) {
        self.name = name
        var parser = TemplateParser(name: name, functions: functions, scopes: [variables.union(["$"])])
        nodes = try parser.parse(text)
    }
}

/// Builds the tree: splits text from actions, then parses each action and nests the control
/// structures, tracking the variables in scope as Go's parser does.
struct TemplateParser {
    let name: String
    let functions: Set<String>
    var scopes: [Set<String>]
    /// Open parentheses around the operand being parsed.
    var parenthesesDepth = 0
    /// The most `if`/`range`/`with` blocks, and separately parentheses, one inside another. Go sets
    /// no limit and overflows its stack past about 100,000; parsing and running the tree recurse
    /// once per level here, so a generous bound keeps a hostile rule file from stopping the process.
    static let maxNesting = 100

    /// An open `if`, `range` or `with`, collecting its branches.
    struct Frame {
        enum Kind { case root, ifNode, rangeNode, withNode }
        var kind: Kind
        var pipeline = TemplatePipeline()
        var body: [TemplateNode] = []
        var otherwise: [TemplateNode] = []
        var inElse = false
        var line = 1
        /// Opened by `{{else if}}` / `{{else with}}`: its `{{end}}` also ends the enclosing frame.
        var chained = false
    }

    init(name: String, functions: Set<String>, scopes: [Set<String>]) {
        self.name = name
        self.functions = functions
        self.scopes = scopes
    }

    func error(_ message: String, line: Int) -> TemplateError {
        TemplateError(name: name, line: line, message: message)
    }

    func nestingError(line: Int) -> TemplateError {
        error("nesting deeper than \(Self.maxNesting) levels", line: line)
    }

    mutating func parse(_ text: String) throws(TemplateError) -> [TemplateNode] {
        var frames = [Frame(kind: .root)]
        func append(_ node: TemplateNode) {
            if frames[frames.count - 1].inElse { frames[frames.count - 1].otherwise.append(node) } else { frames[frames.count - 1].body.append(node) }
        }
        for segment in try Self.segments(text, name: name) {
            switch segment {
            case .text(let literal):
                if !literal.isEmpty { append(.text(literal)) }
            case .action(let content, let line):
                let tokens: [TemplateLexer.Token]
                switch TemplateLexer.tokens(content) {
                case .success(let lexed): tokens = lexed
                case .failure(let failure): throw error(failure.message, line: line)
                }
                guard let first = tokens.first else { throw error("missing value for command", line: line) }
                switch first.kind {
                case .identifier("if"), .identifier("with"), .identifier("range"):
                    let kind: Frame.Kind = first.kind == .identifier("if") ? .ifNode : first.kind == .identifier("with") ? .withNode : .rangeNode
                    guard frames.count <= Self.maxNesting else { throw nestingError(line: line) }
                    scopes.append([])
                    let pipeline = try parsePipeline(Array(tokens.dropFirst()), line: line, declarations: kind == .rangeNode ? 2 : 1)
                    frames.append(Frame(kind: kind, pipeline: pipeline, line: line))
                case .identifier("else"):
                    guard frames.count > 1, !frames[frames.count - 1].inElse else { throw error("unexpected {{else}}", line: line) }
                    frames[frames.count - 1].inElse = true
                    scopes[scopes.count - 1] = []
                    if tokens.count > 1, tokens[1].kind == .identifier("if") || tokens[1].kind == .identifier("with") {
                        let kind: Frame.Kind = tokens[1].kind == .identifier("if") ? .ifNode : .withNode
                        guard frames.count <= Self.maxNesting else { throw nestingError(line: line) }
                        scopes.append([])
                        let pipeline = try parsePipeline(Array(tokens.dropFirst(2)), line: line, declarations: 1)
                        frames.append(Frame(kind: kind, pipeline: pipeline, line: line, chained: true))
                    } else if tokens.count > 1 {
                        throw error("unexpected \(Self.describe(tokens[1].kind)) in else", line: line)
                    }
                case .identifier("end"):
                    guard tokens.count == 1 else { throw error("unexpected \(Self.describe(tokens[1].kind)) in end", line: line) }
                    guard frames.count > 1 else { throw error("unexpected {{end}}", line: line) }
                    var chained = true
                    while chained {
                        let frame = frames.removeLast()
                        scopes.removeLast()
                        chained = frame.chained
                        let node: TemplateNode = switch frame.kind {
                        case .ifNode: .ifNode(frame.pipeline, then: frame.body, otherwise: frame.otherwise, line: frame.line)
                        case .rangeNode: .rangeNode(frame.pipeline, body: frame.body, otherwise: frame.otherwise, line: frame.line)
                        case .withNode, .root: .withNode(frame.pipeline, body: frame.body, otherwise: frame.otherwise, line: frame.line)
                        }
                        append(node)
                    }
                case .identifier("break"), .identifier("continue"):
                    guard frames.contains(where: { $0.kind == .rangeNode }) else {
                        throw error("{{\(first.kind == .identifier("break") ? "break" : "continue")}} outside {{range}}", line: line)
                    }
                    append(first.kind == .identifier("break") ? .breakNode(line: line) : .continueNode(line: line))
                case .identifier("define"), .identifier("template"), .identifier("block"):
                    throw error("{{\(Self.describe(first.kind))}} is not supported in rule templates", line: line)
                default:
                    append(.action(try parsePipeline(tokens, line: line, declarations: 1), line: line))
                }
            }
        }
        guard frames.count == 1 else { throw error("unexpected EOF", line: frames[frames.count - 1].line) }
        return frames[0].body
    }

    // MARK: Pipelines

    /// `[$x[, $y] (:= | =)] command ('|' command)*`.
    mutating func parsePipeline(_ tokens: [TemplateLexer.Token], line: Int, declarations limit: Int) throws(TemplateError) -> TemplatePipeline {
        var pipeline = TemplatePipeline()
        var index = 0
        // Declarations: `$a :=`, `$a, $b :=` (range only), `$a =`.
        var names: [String] = []
        var look = 0
        while look < tokens.count, case .variable(let variable) = tokens[look].kind {
            names.append(variable)
            look += 1
            if look < tokens.count, tokens[look].kind == .comma, names.count < limit {
                look += 1
                continue
            }
            break
        }
        if !names.isEmpty, look < tokens.count, tokens[look].kind == .declare || tokens[look].kind == .assign {
            pipeline.isAssignment = tokens[look].kind == .assign
            for variable in names where pipeline.isAssignment && !isDefined(variable) {
                throw error("undefined variable \"\(variable)\"", line: line)
            }
            pipeline.declarations = names
            index = look + 1
        }
        pipeline.commands = try parseCommands(tokens, &index, line: line, closing: false)
        guard index == tokens.count else { throw error("unexpected \(Self.describe(tokens[index].kind)) in command", line: line) }
        // Declared variables are visible after the declaration.
        if !pipeline.isAssignment { for variable in pipeline.declarations { scopes[scopes.count - 1].insert(variable) } }
        return pipeline
    }

    /// Commands up to the end (or a closing parenthesis when `closing`).
    mutating func parseCommands(_ tokens: [TemplateLexer.Token], _ index: inout Int, line: Int, closing: Bool) throws(TemplateError) -> [[TemplateOperand]] {
        var commands: [[TemplateOperand]] = []
        var command: [TemplateOperand] = []
        while index < tokens.count {
            let token = tokens[index]
            if token.kind == .rightParen {
                guard closing else { throw error("unexpected right paren", line: line) }
                break
            }
            if token.kind == .pipe {
                guard !command.isEmpty else { throw error("missing value for command", line: line) }
                commands.append(command)
                command = []
                index += 1
                continue
            }
            command.append(try parseOperand(tokens, &index, line: line))
        }
        guard !command.isEmpty else { throw error("missing value for command", line: line) }
        commands.append(command)
        return commands
    }

    mutating func parseOperand(_ tokens: [TemplateLexer.Token], _ index: inout Int, line: Int) throws(TemplateError) -> TemplateOperand {
        let token = tokens[index]
        index += 1
        func chain() -> [String] {
            var fields: [String] = []
            while index < tokens.count, !tokens[index].spaced, case .field(let field) = tokens[index].kind {
                fields.append(field)
                index += 1
            }
            return fields
        }
        switch token.kind {
        case .dot: return .dot
        case .field(let first): return .field([first] + chain())
        case .variable(let variable):
            guard isDefined(variable) else { throw error("undefined variable \"\(variable)\"", line: line) }
            return .variable(variable, fields: chain())
        case .string(let text): return .string(text)
        case .number(let value, let text): return .number(value, text: text)
        case .identifier("true"): return .bool(true)
        case .identifier("false"): return .bool(false)
        case .identifier("nil"): return .nilValue
        case .identifier(let function):
            guard functions.contains(function) else { throw error("function \"\(function)\" not defined", line: line) }
            return .function(function)
        case .leftParen:
            guard parenthesesDepth < Self.maxNesting else { throw nestingError(line: line) }
            parenthesesDepth += 1
            defer { parenthesesDepth -= 1 }
            let commands = try parseCommands(tokens, &index, line: line, closing: true)
            guard index < tokens.count, tokens[index].kind == .rightParen else { throw error("unclosed left paren", line: line) }
            index += 1
            return .parenthesized(TemplatePipeline(commands: commands), fields: chain())
        default:
            throw error("unexpected \(Self.describe(token.kind)) in operand", line: line)
        }
    }

    func isDefined(_ variable: String) -> Bool {
        scopes.contains { $0.contains(variable) }
    }

    static func describe(_ kind: TemplateLexer.Kind) -> String {
        switch kind {
        case .identifier(let name): return name
        case .field(let name): return "." + name
        case .dot: return "."
        case .variable(let name): return name
        case .string(let text): return "\"\(text)\""
        case .number(_, let text): return text
        case .leftParen: return "\"(\""
        case .rightParen: return "\")\""
        case .pipe: return "\"|\""
        case .declare: return "\":=\""
        case .assign: return "\"=\""
        case .comma: return "\",\""
        }
    }

    // MARK: Text and actions

    enum Segment {
        case text(String)
        case action(String, line: Int)
    }

    /// Text and action contents, with trim markers applied and comments dropped.
    static func segments(_ text: String, name: String) throws(TemplateError) -> [Segment] {
        let characters = Array(text)
        var segments: [Segment] = []
        var literal = ""
        var index = 0
        var line = 1
        var trimNext = false
        while index < characters.count {
            guard characters[index] == "{", index + 1 < characters.count, characters[index + 1] == "{" else {
                if characters[index] == "\n" { line += 1 }
                if !(trimNext && characters[index].isWhitespace) {
                    trimNext = false
                    literal.append(characters[index])
                }
                index += 1
                continue
            }
            trimNext = false
            var start = index + 2
            // `{{- ` trims the blank space before the action.
            if start + 1 < characters.count, characters[start] == "-", characters[start + 1].isWhitespace {
                while literal.last?.isWhitespace == true { literal.removeLast() }
                start += 2
            }
            segments.append(.text(literal))
            literal = ""
            let actionLine = line
            // Find `}}` outside quotes.
            var end = start
            var quote: Character?
            while end + 1 < characters.count {
                let character = characters[end]
                if let open = quote {
                    if character == "\\" && open != "`" { end += 2; continue }
                    if character == open { quote = nil }
                } else if character == "\"" || character == "`" || character == "'" {
                    quote = character
                } else if character == "}" && characters[end + 1] == "}" {
                    break
                }
                if character == "\n" { line += 1 }
                end += 1
            }
            guard end + 1 < characters.count, characters[end] == "}", characters[end + 1] == "}" else {
                throw TemplateError(name: name, line: actionLine, message: "unclosed action")
            }
            var contentEnd = end
            // ` -}}` trims the blank space after it.
            if contentEnd - 2 >= start, characters[contentEnd - 1] == "-", characters[contentEnd - 2].isWhitespace {
                contentEnd -= 2
                trimNext = true
            }
            let content = String(characters[start..<max(start, contentEnd)])
            let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("/*") {
                guard trimmed.hasSuffix("*/") else { throw TemplateError(name: name, line: actionLine, message: "unclosed comment") }
            } else {
                segments.append(.action(content, line: actionLine))
            }
            index = end + 2
        }
        segments.append(.text(literal))
        return segments
    }
}
