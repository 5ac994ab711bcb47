import MetricsModel
import Testing

@testable import PromQL

@Suite("PromQL parser")
struct ParserTests {
    /// Parses `query`, prints it, and checks the printed form; the printed form must parse to the same tree.
    static func roundTrip(_ query: String, _ expected: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expr = try Parser.parse(query)
        #expect(expr.description == (expected ?? query), sourceLocation: sourceLocation)
        #expect(try Parser.parse(expr.description) == expr, "reparse of \(expr.description)", sourceLocation: sourceLocation)
    }

    @Test("dashboard queries print canonically and round-trip", arguments: [
        "sum by (route) (rate(http_requests_total[5m]))",
        "histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))",
        "sum by (route) (rate(http_requests_total{status=~\"5..\"}[5m])) / sum by (route) (rate(http_requests_total[5m]))",
        "topk(5, sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])))",
        "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
        "count by (__name__) ({__name__=~\".+\"})",
        "max by (task_type) (agent_processing_seconds{quantile=\"0.99\"})",
        "sum without (instance) (up)",
        "a / on (job) group_left (team) b",
        "a > bool 1",
        "a and ignoring (x) b",
        "rate(x[5m] offset 1h)",
        "x @ 1609746000.000",
        "x @ start()",
        "rate(x[1m])[30m:1m]",
        "rate(x[1m])[30m:]",
        "-x",
        "label_replace(up, \"foo\", \"$1\", \"job\", \"(.*)\")",
        "count_values(\"value\", x)",
        "quantile(0.9, x)",
        "{\"my.metric\", a=\"b\"}",
        "x{\"utf8.label\"=\"v\"}",
        "time()",
        "vector(1)",
        "absent(nonexistent{job=\"x\"})",
        "1 + 2 * 3",
        "(1 + 2) * 3",
        "2 ^ 3 ^ 2",
        "changes(http_requests[26m + 4m])",
        "changes(http_requests[2m * (10 + 5)])",
        "sum_over_time(x[30s:10s])",
        "count_over_time(x[step()])",
    ])
    func canonical(query: String) throws {
        try Self.roundTrip(query)
    }

    @Test("spellings normalise", arguments: [
        ("sum(rate(x[5m])) by (job)", "sum by (job) (rate(x[5m]))"),
        ("SUM BY (job) (x)", "sum by (job) (x)"),
        ("x{a='b'}", "x{a=\"b\"}"),
        ("x{a=`b\\c`}", "x{a=\"b\\\\c\"}"),
        ("0x10 + 1_000", "16 + 1000"),
        ("1e3", "1000"),
        ("x offset -5m", "x offset -5m"),
        ("sum by () (x)", "sum(x)"),
        ("x[1m0s]", "x[1m]"),
        ("x[90s]", "x[1m30s]"),
        ("{__name__=\"up\"}", "{__name__=\"up\"}"),
        ("x{a=\"b\",}", "x{a=\"b\"}"),
        ("- - 1", "1"),
        ("-1", "-1"),
        ("+x", "x"),
        ("a + fill(0) b", "a + fill(0) b"),
        ("a + fill_left(5) fill_right(7) b", "a + fill_left(5) fill_right(7) b"),
        ("a + fill_left(1) fill_right(1) b", "a + fill(1) b"),
        ("a == bool on(x) group_left(y) fill(-Inf) b", "a == bool on (x) group_left (y) fill(-Inf) b"),
        ("rate(x[5m] anchored)", "rate(x[5m] anchored)"),
        ("increase(x[5m] offset 1m smoothed)", "increase(x[5m] offset 1m smoothed)"),
        ("x @ 100 smoothed", "x @ 100.000 smoothed"),
    ])
    func normalisation(query: String, expected: String) throws {
        try Self.roundTrip(query, expected)
    }

    @Test("precedence and associativity follow Prometheus")
    func precedence() throws {
        guard case .binary(let pow) = try Parser.parse("2 ^ 3 ^ 2"), case .binary(let right) = pow.rhs else {
            Issue.record("^ must be right-associative")
            return
        }
        #expect(right.op == .pow)
        guard case .unary(true, .binary(let inner)) = try Parser.parse("-x ^ 2") else {
            Issue.record("-x ^ 2 must be -(x ^ 2)")
            return
        }
        #expect(inner.op == .pow)
        guard case .binary(let or) = try Parser.parse("a or b and c"), case .binary(let and) = or.rhs else {
            Issue.record("and must bind tighter than or")
            return
        }
        #expect(or.op == .or && and.op == .and)
        guard case .binary(let sub) = try Parser.parse("a - b - c"), case .binary(let left) = sub.lhs else {
            Issue.record("- must be left-associative")
            return
        }
        #expect(left.op == .sub)
        // offset takes one operand: `x offset 100 + 2` is `(x offset 100) + 2`.
        guard case .binary(let plus) = try Parser.parse("x offset 100 + 2"), case .vector(let selector) = plus.lhs else {
            Issue.record("offset must bind to the selector alone")
            return
        }
        #expect(selector.modifiers.offset == .seconds(100))
    }

    @Test("errors carry a position and say what was wrong", arguments: [
        ("sum(x", "unclosed left parenthesis"),
        ("sum(x))", "unexpected right parenthesis ')'"),
        ("x[5m", "unclosed left bracket"),
        ("x{a=\"b\"", "expected \",\" or \"}\""),
        ("rate(x)", "expected type range vector in call to function \"rate\", got instant vector"),
        ("nope(x)", "unknown function with name \"nope\""),
        ("1 > 2", "comparisons between scalars must use BOOL modifier"),
        ("1 and x", "set operator \"and\" not allowed in binary scalar expression"),
        ("{a=~\".*\"}", "vector selector must contain at least one non-empty matcher"),
        ("x{a=~\"(\"}", "error parsing regexp: missing closing )"),
        ("rate(x[5m])[5m]", "ranges only allowed for vector selectors"),
        ("x offset 1m offset 2m", "offset may not be set multiple times"),
        ("topk(x)", "wrong number of arguments for aggregate expression"),
        ("x + on(a) group_left(a) y", "must not occur in ON and GROUP clause at once"),
        ("\"a\" + 1", "binary expression must contain only scalar and instant vector types"),
        ("x{", "expected label name"),
        ("1 +", "unexpected end of input"),
        ("x y", "unexpected identifier \"y\""),
        ("5mx", "bad number or duration syntax"),
        ("\"unterminated", "unterminated quoted string"),
        ("", "no expression found in input"),
        ("a and group_left b", "without on() or ignoring()"),
        ("x{job=\"\\xff\"}", "invalid UTF-8 in string literal \"\\xff\""),
        ("label_replace(x, \"a\", \"caf\\xc3\", \"b\", \".*\")", "invalid UTF-8 in string literal \"caf\\xc3\""),
        ("count_values(\"a\\xc5z\", x)", "invalid label name \"a\\xc5z\""),
    ])
    func errors(query: String, message: String) {
        do {
            let expr = try Parser.parse(query)
            Issue.record("\(query) parsed as \(expr)")
        } catch {
            #expect(error.message.contains(message), "\(query): \(error)")
            #expect(error.start >= 0 && error.start <= query.utf8.count)
        }
    }

    @Test("a range or subquery duration of zero is refused where it is written, as Prometheus 2.42 refuses it", arguments: [
        ("rate(x[0s])", 1, 8), ("x[5m:0s]", 1, 6), ("x[0s:1m]", 1, 3), ("rate(x[0])", 1, 8), ("x[1m-1m]", 1, 3),
        ("sum(\n  rate(x[0ms])\n)", 2, 10), ("x[5m:min_of(0s, 1m)]", 1, 6),
    ] as [(String, Int, Int)])
    func zeroDurations(query: String, line: Int, column: Int) {
        do {
            let expr = try Parser.parse(query)
            Issue.record("\(query) parsed as \(expr)")
        } catch {
            #expect(error.message == "duration must be greater than 0", "\(query): \(error)")
            #expect((error.line, error.column) == (line, column), "\(query): \(error)")
        }
    }

    @Test("durations that depend on the query's step or range, and positive ones, still parse", arguments: [
        "rate(x[step()])", "x[range():step()]", "x[1ms]", "x[5m:]", "x offset 0s", "count_over_time(x[step()*0+1])",
    ])
    func durationsThatParse(query: String) throws {
        _ = try Parser.parse(query)
    }

    @Test("a quoted name beside another matcher on __name__ stays a matcher, so both select and the query prints back to itself (found by fuzzing)")
    func quotedNameBesideNameMatcher() throws {
        let expr = try Parser.parse(#"{__name__!~"y.*", "a.b"}"#)
        guard case .vector(let selector) = expr else { Issue.record("\(expr)"); return }
        #expect(selector.name == nil)
        #expect(selector.allMatchers.map(\.description) == [#"__name__!~"y.*""#, #"__name__="a.b""#])
        #expect(try Parser.parse(expr.description) == expr)
        guard case .vector(let alone) = try Parser.parse(#"{"a.b", job="x"}"#) else { return }
        #expect(alone.name == "a.b" && alone.matchers.map(\.name) == ["job"])
    }

    @Test("escapes that make valid UTF-8 are kept, whichever way they are written")
    func validEscapes() throws {
        #expect(try Parser.parse("x{a=\"caf\\xc3\\xa9\"}") == Parser.parse("x{a=\"café\"}"))
        #expect(try Parser.parse("\"\\u00e9\\U0001F600\"") == .string("é😀"))
    }

    @Test("deep nesting fails cleanly instead of exhausting the stack")
    func deepNesting() {
        let query = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(throws: ParseError.self) { try Parser.parse(query) }
    }

    @Test("garbage never crashes the parser")
    func garbage() {
        let alphabet = Array("abc_:{}[]()=~!\"'`,.0123456789+-*/%^<>@ \n#smhdwy".unicodeScalars)
        var state: UInt64 = 17
        for _ in 0..<5000 {
            var query = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 58)
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                query.unicodeScalars.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            if let expr = try? Parser.parse(query) {
                // Whatever parses must print to something that parses to the same tree.
                #expect((try? Parser.parse(expr.description)) == expr, "\(query) → \(expr)")
            }
        }
    }
}
