import MetricsModel

/// Parses PromQL into an `Expr`, checking types as Prometheus's parser does.
package struct Parser {
    private var tokens: [Token]
    private var index = 0
    private let source: String
    /// The depth of the tree being built along the current path: one per nested expression and
    /// one per binary operator chained onto its left side (`1+1+…` builds a left-deep tree without
    /// nesting). Bounded, so neither this parser nor the recursive passes over the tree (types,
    /// evaluation, printing) can exhaust the stack, and checking an operand's type stays cheap.
    private var depth = 0
    /// Set while parsing an argument that may be an all-empty-matching selector (see `parseArguments`).
    private var allowEmptySelector = false
    static let maxDepth = 256

    /// Parses a whole query.
    package static func parse(_ query: String) throws(ParseError) -> Expr {
        do {
            return try parseWhole(query)
        } catch {
            throw error.located(in: query)
        }
    }

    private static func parseWhole(_ query: String) throws(ParseError) -> Expr {
        var parser = Parser(tokens: try Lexer.tokenize(query), source: query)
        if parser.current.kind == .end { throw ParseError(start: 0, end: 0, message: "no expression found in input") }
        let expr = try parser.parseExpression(minPrecedence: 0)
        guard parser.current.kind == .end else {
            throw parser.error("unexpected \(parser.describe(parser.current))", at: parser.current)
        }
        // A string is text: escapes that make invalid UTF-8 would be rewritten (and distinct values
        // merged) by every later step, so the query is refused.
        if let token = parser.tokens.first(where: { $0.invalidUTF8 != nil }) {
            throw parser.error("invalid UTF-8 in string literal \(Self.goQuote(token.invalidUTF8!))", at: token)
        }
        return expr
    }

    private init(tokens: [Token], source: String) {
        self.tokens = tokens
        self.source = source
    }

    // MARK: Tokens

    private var current: Token { tokens[index] }
    private var next: Token { tokens[min(index + 1, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isIdentifier(_ word: String, _ token: Token? = nil) -> Bool {
        let token = token ?? current
        return token.kind == .identifier && token.text.lowercased() == word
    }

    private func error(_ message: String, at token: Token) -> ParseError {
        ParseError(start: token.start, end: token.start + max(token.text.utf8.count, 1), message: token.lexError ?? message)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of input"
        case .identifier: return "identifier \"\(token.text)\""
        case .number: return "number \"\(token.text)\""
        case .duration: return "duration \"\(token.text)\""
        case .string: return "string \(token.text)"
        default: return "\"\(token.text)\""
        }
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(ParseError) {
        guard current.kind == kind else { throw error("unexpected \(describe(current)), expected \(what)", at: current) }
        _ = advance()
    }

    // MARK: Expressions

    private mutating func parseExpression(minPrecedence: Int) throws(ParseError) -> Expr {
        let entryDepth = depth
        defer { depth = entryDepth }
        depth += 1
        guard depth <= Self.maxDepth else { throw error("expression nested too deeply (more than \(Self.maxDepth) levels)", at: current) }
        let start = current.start
        var lhs = try parseUnary()
        while let op = binaryOperator(current), op.precedence >= minPrecedence {
            depth += 1
            guard depth <= Self.maxDepth else { throw error("expression nested too deeply (more than \(Self.maxDepth) levels)", at: current) }
            let opToken = advance()
            var returnBool = false
            if isIdentifier("bool") {
                guard op.isComparison else { throw error("bool modifier can only be used on comparison operators", at: current) }
                _ = advance()
                returnBool = true
            }
            var matching: VectorMatching?
            if isIdentifier("on") || isIdentifier("ignoring") {
                var m = VectorMatching()
                m.on = isIdentifier("on")
                m.explicit = true
                _ = advance()
                m.labels = try parseLabelList()
                if isIdentifier("group_left") || isIdentifier("group_right") {
                    m.cardinality = isIdentifier("group_left") ? .manyToOne : .oneToMany
                    _ = advance()
                    if current.kind == .leftParen { m.include = try parseLabelList() }
                }
                matching = m
            } else if isIdentifier("group_left") || isIdentifier("group_right") {
                throw error("unexpected \(describe(current)) without on() or ignoring()", at: current)
            }
            while ["fill", "fill_left", "fill_right"].contains(where: { isIdentifier($0) }) && next.kind == .leftParen {
                let word = advance().text.lowercased()
                let value = try parseFillValue()
                var m = matching ?? VectorMatching()
                if word != "fill_right" { m.fillLeft = value }
                if word != "fill_left" { m.fillRight = value }
                matching = m
            }
            let rhs = try parseExpression(minPrecedence: op.rightAssociative ? op.precedence : op.precedence + 1)
            lhs = try makeBinary(op, lhs, rhs, returnBool: returnBool, matching: matching, at: opToken)
            if case .binary(var binary) = lhs {
                binary.position = start
                lhs = .binary(binary)
            }
        }
        return lhs
    }

    private func binaryOperator(_ token: Token) -> BinaryOp? {
        switch token.kind {
        case .op(let text): return BinaryOp(rawValue: text)
        case .identifier:
            let word = token.text.lowercased()
            return ["and", "or", "unless", "atan2"].contains(word) ? BinaryOp(rawValue: word) : nil
        default: return nil
        }
    }

    private mutating func parseUnary() throws(ParseError) -> Expr {
        if case .op(let op) = current.kind, op == "-" || op == "+" {
            let token = advance()
            // Unary minus binds tighter than every binary operator but `^`: -2 ^ 2 is -(2 ^ 2).
            let operand = try parseExpression(minPrecedence: BinaryOp.pow.precedence)
            let type = try typeOf(operand)
            guard type == .scalar || type == .vector else {
                throw error("unary expression only allowed on expressions of type scalar or instant vector, got \"\(type.rawValue)\"", at: token)
            }
            if op == "+" { return operand }
            if case .number(let value) = operand { return .number(-value) }
            return .unary(negative: true, operand)
        }
        return try parsePostfix(try parsePrimary())
    }

    private mutating func parsePrimary() throws(ParseError) -> Expr {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return .number(value)
        case .duration(let milliseconds):
            _ = advance()
            return .number(Double(milliseconds) / 1000)
        case .string(let value):
            _ = advance()
            return .string(value)
        case .leftParen:
            _ = advance()
            let inner = try parseExpression(minPrecedence: 0)
            try expect(.rightParen, "\")\"")
            return .paren(inner)
        case .leftBrace:
            return .vector(try parseSelector(name: nil, at: token))
        case .identifier:
            let word = String(token.text)
            if let op = AggregateOp(rawValue: word.lowercased()),
               next.kind == .leftParen || isIdentifier("by", next) || isIdentifier("without", next) {
                return try parseAggregate(op)
            }
            if next.kind == .leftParen {
                return try parseCall()
            }
            if ["bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset"].contains(word.lowercased()) {
                throw error("unexpected \(describe(token))", at: token)
            }
            _ = advance()
            return .vector(try parseSelector(name: word, at: token))
        default:
            throw error("unexpected \(describe(token))", at: token)
        }
    }

    /// `name`, `name{…}` or `{…}`; at least one matcher must reject the empty string.
    private mutating func parseSelector(name: String?, at start: Token) throws(ParseError) -> VectorSelector {
        var selector = VectorSelector(name: name, matchers: [])
        selector.position = start.start
        if current.kind == .leftBrace {
            _ = advance()
            /// Where bare quoted names went among the matchers (`{"my.metric", …}`).
            var quotedNames: [Int] = []
            while current.kind != .rightBrace {
                let labelToken = current
                let label: String
                switch labelToken.kind {
                case .identifier: label = String(labelToken.text)
                case .string(let quoted): label = quoted
                default: throw error("unexpected \(describe(labelToken)) in label matching, expected label name", at: labelToken)
                }
                _ = advance()
                if case .string = labelToken.kind, current.kind == .comma || current.kind == .rightBrace {
                    // A bare quoted string names the metric: {"my.metric"}. It is an equality
                    // matcher on the name until the braces close (see below).
                    guard selector.name == nil else { throw error("metric name must not be set twice: \"\(selector.name!)\" or \"\(label)\"", at: labelToken) }
                    quotedNames.append(selector.matchers.count)
                    selector.matchers.append(try! Matcher(.equal, LabelNames.metricName, label))
                } else {
                    guard case .op(let opText) = current.kind, let type = MatchType(rawValue: opText) else {
                        throw error("unexpected \(describe(current)) in label matching, expected label matching operator", at: current)
                    }
                    _ = advance()
                    guard case .string(let value) = current.kind else {
                        throw error("unexpected \(describe(current)) in label matching, expected string", at: current)
                    }
                    let valueToken = advance()
                    do {
                        let matcher = try Matcher(type, label, value)
                        if label == LabelNames.metricName && selector.name != nil {
                            throw error("metric name must not be set twice: \"\(selector.name!)\" or \"\(value)\"", at: labelToken)
                        }
                        selector.matchers.append(matcher)
                    } catch let regexError as RegexError {
                        throw error("\(regexError)", at: valueToken)
                    } catch let parseError as ParseError {
                        throw parseError
                    } catch {
                        throw self.error("\(error)", at: valueToken)
                    }
                }
                if current.kind == .comma { _ = advance() } else if current.kind != .rightBrace {
                    throw error("unexpected \(describe(current)) in label matching, expected \",\" or \"}\"", at: current)
                }
            }
            _ = advance()
            // A quoted name that is the only matcher on the name is the selector's name; beside
            // other matchers on `__name__` it stays one of them, as Prometheus keeps it (and so
            // the selector prints back to what parses).
            if quotedNames.count == 1, selector.matchers.filter({ $0.name == LabelNames.metricName }).count == 1 {
                selector.name = selector.matchers.remove(at: quotedNames[0]).value
            }
        }
        if !selector.allMatchers.contains(where: { !$0.matchesEmpty }) && !allowEmptySelector {
            throw error("vector selector must contain at least one non-empty matcher", at: start)
        }
        return selector
    }

    private mutating func parseLabelList() throws(ParseError) -> [String] {
        try expect(.leftParen, "\"(\"")
        var labels: [String] = []
        while current.kind != .rightParen {
            switch current.kind {
            case .identifier: labels.append(String(current.text))
            case .string(let quoted): labels.append(quoted)
            default: throw error("unexpected \(describe(current)) in grouping opts, expected label", at: current)
            }
            _ = advance()
            if current.kind == .comma { _ = advance() } else if current.kind != .rightParen {
                throw error("unexpected \(describe(current)) in grouping opts, expected \",\" or \")\"", at: current)
            }
        }
        _ = advance()
        return labels
    }

    private mutating func parseAggregate(_ op: AggregateOp) throws(ParseError) -> Expr {
        let opToken = advance()
        var grouping: [String] = []
        var without = false
        var hasGrouping = false
        if isIdentifier("by") || isIdentifier("without") {
            without = isIdentifier("without")
            _ = advance()
            grouping = try parseLabelList()
            hasGrouping = true
        }
        let (args, offsets) = try parseArguments()
        if !hasGrouping && (isIdentifier("by") || isIdentifier("without")) {
            without = isIdentifier("without")
            _ = advance()
            grouping = try parseLabelList()
            hasGrouping = true
        }
        let wanted = op.hasParameter ? 2 : 1
        guard args.count == wanted else {
            throw error("wrong number of arguments for aggregate expression provided, expected \(wanted), got \(args.count)", at: opToken)
        }
        if op == .countValues, case .string = args[0].unparenthesized,
           let literal = tokens[tokens.firstIndex(where: { $0.start == opToken.start })!..<index].first(where: { $0.invalidUTF8 != nil }) {
            throw error("invalid label name \(Self.goQuote(literal.invalidUTF8!))", at: literal)
        }
        var aggregate = Aggregate(op: op, expr: args[wanted - 1], parameter: op.hasParameter ? args[0] : nil, grouping: grouping, without: without)
        aggregate.positions = SourcePositions(offsets)
        guard try typeOf(aggregate.expr) == .vector else {
            throw error("expected type instant vector in aggregation expression, got \(try typeOf(aggregate.expr).rawValue)", at: opToken)
        }
        if let parameter = aggregate.parameter {
            let expected: ValueType = op == .countValues ? .string : .scalar
            guard try typeOf(parameter) == expected else {
                throw error("expected type \(expected.rawValue) in aggregation parameter, got \(try typeOf(parameter).rawValue)", at: opToken)
            }
        }
        return .aggregate(aggregate)
    }

    /// `( expr, expr, … )`, a trailing comma allowed.
    /// `emptySelectorAt`: the argument that may be a selector whose matchers all accept the empty value
    /// (info()'s data-label selector).
    /// Returns the arguments and the byte offset where each starts.
    private mutating func parseArguments(emptySelectorAt: Int? = nil) throws(ParseError) -> ([Expr], [Int]) {
        try expect(.leftParen, "\"(\"")
        var args: [Expr] = []
        var offsets: [Int] = []
        if current.kind != .rightParen {
            allowEmptySelector = emptySelectorAt == 0
            offsets.append(current.start)
            args.append(try parseExpression(minPrecedence: 0))
            while current.kind == .comma {
                _ = advance()
                if current.kind == .rightParen { break }
                allowEmptySelector = emptySelectorAt == args.count
                offsets.append(current.start)
                args.append(try parseExpression(minPrecedence: 0))
            }
            allowEmptySelector = false
        }
        try expect(.rightParen, "\")\"")
        return (args, offsets)
    }

    private mutating func parseCall() throws(ParseError) -> Expr {
        let nameToken = advance()
        let name = String(nameToken.text)
        guard let function = Function.named(name) else { throw error("unknown function with name \"\(name)\"", at: nameToken) }
        let (args, offsets) = try parseArguments(emptySelectorAt: name == "info" ? 1 : nil)
        let required = function.arguments.count - function.optional
        if args.count < required || (!function.variadic && args.count > function.arguments.count) {
            let expected = function.optional > 0 && !function.variadic ? "at most \(function.arguments.count)" : "\(function.arguments.count)"
            throw error("expected \(args.count < required ? "at least \(required)" : expected) argument(s) in call to \"\(name)\", got \(args.count)", at: nameToken)
        }
        for (position, arg) in args.enumerated() {
            let expected = function.arguments[min(position, function.arguments.count - 1)]
            let actual = try typeOf(arg)
            guard actual == expected else {
                throw error("expected type \(expected.rawValue) in call to function \"\(name)\", got \(actual.rawValue)", at: nameToken)
            }
        }
        try checkExtendedArguments(name, args, at: nameToken)
        return .call(function, args: args, positions: SourcePositions(offsets, call: nameToken.start))
    }

    // MARK: Postfix: ranges, subqueries, offset, @

    private mutating func parsePostfix(_ primary: Expr) throws(ParseError) -> Expr {
        var expr = primary
        while true {
            if current.kind == .leftBracket {
                let open = advance()
                let range = try parsePositiveDuration()
                if current.kind == .colon {
                    _ = advance()
                    var step: DurationExpr?
                    if current.kind != .rightBracket { step = try parsePositiveDuration() }
                    try expect(.rightBracket, "\"]\"")
                    let type = try typeOf(expr)
                    guard type == .vector else { throw error("subquery is only allowed on instant vector, got \(type.rawValue) instead", at: open) }
                    expr = .subquery(Subquery(expr: expr, range: range, step: step))
                } else {
                    try expect(.rightBracket, "\"]\"")
                    guard case .vector(let selector) = expr, selector.modifiers == Modifiers() else {
                        throw error("ranges only allowed for vector selectors", at: open)
                    }
                    expr = .matrix(selector, range: range)
                }
            } else if isIdentifier("offset") {
                let token = advance()
                var negative = false
                if case .op(let op) = current.kind, op == "-" || op == "+" {
                    negative = op == "-"
                    _ = advance()
                }
                var offset = try parseDurationPrimary()
                if negative { offset = .negate(offset) }
                expr = try setModifier(expr, at: token) { modifiers throws(ParseError) in
                    guard modifiers.offset == nil else { throw self.error("offset may not be set multiple times", at: token) }
                    modifiers.offset = offset
                }
            } else if case .op("@") = current.kind {
                let token = advance()
                let at: AtModifier
                if isIdentifier("start") || isIdentifier("end") {
                    at = isIdentifier("start") ? .start : .end
                    _ = advance()
                    try expect(.leftParen, "\"(\"")
                    try expect(.rightParen, "\")\"")
                } else {
                    var sign = 1.0
                    if case .op(let op) = current.kind, op == "-" || op == "+" {
                        sign = op == "-" ? -1 : 1
                        _ = advance()
                    }
                    // A number of seconds, or a duration since the epoch (`@ 1m40s`).
                    switch current.kind {
                    case .number(let seconds):
                        // Prometheus refuses what int64 milliseconds cannot hold, with this text.
                        guard let milliseconds = Timestamps.milliseconds(fromSeconds: sign * seconds) else {
                            throw error("timestamp out of bounds for @ modifier: \(GoFloat.formatPlain(sign * seconds))", at: current)
                        }
                        at = .timestamp(milliseconds)
                    case .duration(let milliseconds):
                        at = .timestamp(sign < 0 ? -milliseconds : milliseconds)
                    default:
                        throw error("unexpected \(describe(current)) in @, expected timestamp", at: current)
                    }
                    _ = advance()
                }
                expr = try setModifier(expr, at: token) { modifiers throws(ParseError) in
                    guard modifiers.at == nil else { throw self.error("@ <timestamp> may not be set multiple times", at: token) }
                    modifiers.at = at
                }
            } else if isIdentifier("anchored") || isIdentifier("smoothed") {
                let token = advance()
                let extended: RangeExtension = token.text.lowercased() == "anchored" ? .anchored : .smoothed
                switch expr {
                case .vector, .matrix:
                    expr = try setModifier(expr, at: token) { modifiers throws(ParseError) in
                        guard modifiers.extended == nil else { throw self.error("anchored and smoothed may not be set multiple times", at: token) }
                        modifiers.extended = extended
                    }
                default:
                    throw error("\(extended.rawValue) modifier can only be used on vector selectors", at: token)
                }
            } else {
                return expr
            }
        }
    }

    /// `anchored`/`smoothed` range arguments only reach the functions that define them.
    private func checkExtendedArguments(_ name: String, _ args: [Expr], at token: Token) throws(ParseError) {
        for arg in args {
            guard case .matrix(let selector, _) = arg, let extended = selector.modifiers.extended else { continue }
            if !extended.allowedFunctions.contains(name) {
                throw error(
                    "\(extended.rawValue) modifier can only be used with: \(extended.allowedFunctions.joined(separator: ", ")) - not with \(name)",
                    at: token)
            }
        }
    }

    private func setModifier(_ expr: Expr, at token: Token, _ update: (inout Modifiers) throws(ParseError) -> Void) throws(ParseError) -> Expr {
        switch expr {
        case .vector(var selector):
            try update(&selector.modifiers)
            return .vector(selector)
        case .matrix(var selector, let range):
            try update(&selector.modifiers)
            return .matrix(selector, range: range)
        case .subquery(var subquery):
            try update(&subquery.modifiers)
            return .subquery(subquery)
        default:
            throw error("offset and @ modifiers must be preceded by an instant vector selector, range vector selector or subquery", at: token)
        }
    }

    // MARK: Duration expressions

    private mutating func parseDurationExpr(minPrecedence: Int) throws(ParseError) -> DurationExpr {
        let entryDepth = depth
        defer { depth = entryDepth }
        depth += 1
        guard depth <= Self.maxDepth else { throw error("expression nested too deeply (more than \(Self.maxDepth) levels)", at: current) }
        var lhs: DurationExpr
        if case .op(let op) = current.kind, op == "-" || op == "+" {
            _ = advance()
            let operand = try parseDurationExpr(minPrecedence: BinaryOp.pow.precedence)
            lhs = op == "-" ? .negate(operand) : operand
        } else {
            lhs = try parseDurationPrimary()
        }
        while case .op(let text) = current.kind, let op = BinaryOp(rawValue: text), [.add, .sub, .mul, .div, .mod, .pow].contains(op),
              op.precedence >= minPrecedence {
            depth += 1
            guard depth <= Self.maxDepth else { throw error("expression nested too deeply (more than \(Self.maxDepth) levels)", at: current) }
            _ = advance()
            let rhs = try parseDurationExpr(minPrecedence: op.rightAssociative ? op.precedence : op.precedence + 1)
            lhs = .binary(op: op, lhs, rhs)
        }
        return lhs
    }

    /// A range's or a subquery's duration: one that is known now (no `step()` or `range()` in it)
    /// must be above zero, as Prometheus requires (`rate(x[0s])`, `x[5m:0s]`).
    private mutating func parsePositiveDuration() throws(ParseError) -> DurationExpr {
        let start = current
        let duration = try parseDurationExpr(minPrecedence: 0)
        if let seconds = Self.constantSeconds(duration), !(seconds > 0) {
            throw error("duration must be greater than 0", at: start)
        }
        return duration
    }

    /// The seconds a duration expression stands for when it does not depend on the query's step or
    /// range; nil otherwise (and for a division by zero, which evaluation reports).
    static func constantSeconds(_ expr: DurationExpr) -> Double? {
        switch expr {
        case .literal(let milliseconds): return Double(milliseconds) / 1000
        case .seconds(let seconds): return seconds
        case .negate(let inner): return constantSeconds(inner).map { -$0 }
        case .paren(let inner): return constantSeconds(inner)
        case .call(let name, let args):
            guard name == "min_of" || name == "max_of", let a = constantSeconds(args[0]), let b = constantSeconds(args[1]) else { return nil }
            return name == "min_of" ? Swift.min(a, b) : Swift.max(a, b)
        case .binary(let op, let lhs, let rhs):
            guard let a = constantSeconds(lhs), let b = constantSeconds(rhs) else { return nil }
            switch op {
            case .add: return a + b
            case .sub: return a - b
            case .mul: return a * b
            case .div: return b == 0 ? nil : a / b
            case .mod: return b == 0 ? nil : a.truncatingRemainder(dividingBy: b)
            case .pow: return pow(a, b)
            default: return nil
            }
        }
    }

    private mutating func parseDurationPrimary() throws(ParseError) -> DurationExpr {
        let token = current
        switch token.kind {
        case .duration(let milliseconds):
            _ = advance()
            return .literal(milliseconds: milliseconds)
        case .number(let seconds):
            _ = advance()
            return .seconds(seconds)
        case .leftParen:
            _ = advance()
            let inner = try parseDurationExpr(minPrecedence: 0)
            try expect(.rightParen, "\")\"")
            return .paren(inner)
        case .identifier where (isIdentifier("step") || isIdentifier("range")) && next.kind == .leftParen:
            let name = String(advance().text).lowercased()
            try expect(.leftParen, "\"(\"")
            try expect(.rightParen, "\")\"")
            return .call(name, [])
        case .identifier where (isIdentifier("min_of") || isIdentifier("max_of")) && next.kind == .leftParen:
            let name = String(advance().text).lowercased()
            try expect(.leftParen, "\"(\"")
            let first = try parseDurationExpr(minPrecedence: 0)
            try expect(.comma, "\",\"")
            let second = try parseDurationExpr(minPrecedence: 0)
            try expect(.rightParen, "\")\"")
            return .call(name, [first, second])
        default:
            throw error("unexpected \(describe(token)), expected duration", at: token)
        }
    }

    // MARK: Types

    /// `( [+|-] number )` after `fill`, `fill_left` or `fill_right`.
    private mutating func parseFillValue() throws(ParseError) -> Double {
        guard current.kind == .leftParen else { throw error("unexpected \(describe(current)) in fill modifier, expected \"(\"", at: current) }
        _ = advance()
        var sign = 1.0
        if case .op(let symbol) = current.kind, symbol == "-" || symbol == "+" {
            sign = symbol == "-" ? -1 : 1
            _ = advance()
        }
        guard case .number(let value) = current.kind else {
            throw error("unexpected \(describe(current)) in fill modifier, expected a number", at: current)
        }
        _ = advance()
        guard current.kind == .rightParen else { throw error("unexpected \(describe(current)) in fill modifier, expected \")\"", at: current) }
        _ = advance()
        return sign * value
    }

    private func makeBinary(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr, returnBool: Bool, matching: VectorMatching?, at token: Token) throws(ParseError) -> Expr {
        let left = try typeOf(lhs)
        let right = try typeOf(rhs)
        guard (left == .scalar || left == .vector) && (right == .scalar || right == .vector) else {
            throw error("binary expression must contain only scalar and instant vector types", at: token)
        }
        if op.isSetOperator {
            if left == .scalar || right == .scalar { throw error("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: token) }
            if let matching, matching.cardinality != .oneToOne { throw error("no grouping allowed for \"\(op.rawValue)\" operation", at: token) }
        }
        if op.isComparison && left == .scalar && right == .scalar && !returnBool {
            throw error("comparisons between scalars must use BOOL modifier", at: token)
        }
        if matching != nil && (left != .vector || right != .vector) {
            throw error("vector matching only allowed between instant vectors", at: token)
        }
        var resolved = matching
        if op.isSetOperator && left == .vector && right == .vector {
            if resolved == nil { resolved = VectorMatching() }
            resolved?.cardinality = .manyToMany
        } else if resolved == nil && left == .vector && right == .vector {
            resolved = VectorMatching()
        }
        if let m = resolved, m.fillLeft != nil || m.fillRight != nil {
            if op.isSetOperator { throw error("fill modifiers are not allowed for \"\(op.rawValue)\" operation", at: token) }
            if left != .vector || right != .vector { throw error("fill modifiers are only allowed between instant vectors", at: token) }
        }
        if let m = resolved, m.on {
            for label in m.include where m.labels.contains(label) {
                throw error("label \"\(label)\" must not occur in ON and GROUP clause at once", at: token)
            }
        }
        return .binary(Binary(op: op, lhs: lhs, rhs: rhs, returnBool: returnBool, matching: resolved))
    }

    /// The type an expression evaluates to.
    func typeOf(_ expr: Expr) throws(ParseError) -> ValueType {
        try Self.type(of: expr)
    }

    package static func type(of expr: Expr) throws(ParseError) -> ValueType {
        switch expr {
        case .number: return .scalar
        case .string: return .string
        case .vector: return .vector
        case .matrix, .subquery: return .matrix
        case .call(let function, _, _): return function.returns
        case .aggregate: return .vector
        case .binary(let binary):
            let left = try type(of: binary.lhs)
            let right = try type(of: binary.rhs)
            return left == .scalar && right == .scalar ? .scalar : .vector
        case .unary(_, let inner), .paren(let inner): return try type(of: inner)
        }
    }
}

extension Parser {
    /// Go's `%q` of bytes that need not be UTF-8: valid printable characters as they are, other
    /// bytes as `\xNN`.
    static func goQuote(_ bytes: [UInt8]) -> String {
        var out = "\""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 1, index + length <= bytes.count, let text = String(validating: bytes[index..<index + length], as: UTF8.self) {
                out += text
                index += length
                continue
            }
            switch lead {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(lead))
            default: out += "\\x" + String(lead, radix: 16).leftPadded(to: 2)
            }
            index += 1
        }
        return out + "\""
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: Swift.max(0, width - count)) + self }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
