import MetricsModel
import Testing

@testable import PromQL

/// The parser's trees, checked node by node with the source positions they carry (byte offsets,
/// written `@n`), not only by printing them back.
@Suite("PromQL parser trees")
struct ParserASTTests {
    /// A compact, complete rendering of a tree: every node, its fields and its positions.
    static func dump(_ expr: Expr) -> String {
        switch expr {
        case .number(let value): return "num(\(value))"
        case .string(let text): return "str(\(goQuote(text)))"
        case .vector(let selector): return dump(selector)
        case .matrix(let selector, let range): return "matrix(\(dump(selector)) [\(dump(range))])"
        case .subquery(let subquery):
            let step = subquery.step.map(dump) ?? "default"
            return "subquery(\(dump(subquery.expr)) [\(dump(subquery.range)):\(step)]\(dump(subquery.modifiers)))"
        case .call(let function, let args, let positions):
            let arguments = args.enumerated().map { index, arg in "\(dump(arg))@\(positions[index].map(String.init) ?? "?")" }
            return "call(\(function.name)@\(positions.call.map(String.init) ?? "?") \(arguments.joined(separator: " ")))"
        case .aggregate(let aggregate):
            let grouping = aggregate.grouping.isEmpty && !aggregate.without ? "" : " \(aggregate.without ? "without" : "by")(\(aggregate.grouping.joined(separator: ",")))"
            var parts = ["\(aggregate.op.rawValue)\(grouping)"]
            var slot = 0
            if let parameter = aggregate.parameter {
                parts.append("\(dump(parameter))@\(aggregate.positions[slot].map(String.init) ?? "?")")
                slot += 1
            }
            parts.append("\(dump(aggregate.expr))@\(aggregate.positions[slot].map(String.init) ?? "?")")
            return "agg(\(parts.joined(separator: " ")))"
        case .binary(let binary):
            var op = binary.op.rawValue
            if binary.returnBool { op += " bool" }
            if let matching = binary.matching {
                if matching.explicit { op += " \(matching.on ? "on" : "ignoring")(\(matching.labels.joined(separator: ",")))" }
                switch matching.cardinality {
                case .manyToOne: op += " group_left(\(matching.include.joined(separator: ",")))"
                case .oneToMany: op += " group_right(\(matching.include.joined(separator: ",")))"
                case .oneToOne, .manyToMany: break
                }
            }
            return "bin(\(op) \(dump(binary.lhs)) \(dump(binary.rhs)))"
        case .unary(let negative, let inner): return "\(negative ? "neg" : "pos")(\(dump(inner)))"
        case .paren(let inner): return "paren(\(dump(inner)))"
        }
    }

    static func dump(_ selector: VectorSelector) -> String {
        let matchers = selector.matchers.map { "\($0.name)\($0.type.rawValue)\(goQuote($0.value))" }.joined(separator: ",")
        return "sel(\(selector.name ?? ""){\(matchers)}\(dump(selector.modifiers)))"
    }

    static func dump(_ modifiers: Modifiers) -> String {
        var out = ""
        if let offset = modifiers.offset { out += " offset \(dump(offset))" }
        switch modifiers.at {
        case .timestamp(let t): out += " @\(t)ms"
        case .start: out += " @start"
        case .end: out += " @end"
        case nil: break
        }
        if let extended = modifiers.extended { out += " \(extended.rawValue)" }
        return out
    }

    static func dump(_ duration: DurationExpr) -> String {
        switch duration {
        case .literal(let milliseconds): return "\(milliseconds)ms"
        case .seconds(let seconds): return "\(seconds)s"
        case .binary(let op, let lhs, let rhs): return "(\(dump(lhs)) \(op.rawValue) \(dump(rhs)))"
        case .negate(let inner): return "-\(dump(inner))"
        case .paren(let inner): return "(\(dump(inner)))"
        case .call(let name, let args): return "\(name)(\(args.map(dump).joined(separator: ",")))"
        }
    }

    @Test("trees and positions", arguments: [
        // Precedence and associativity.
        ("a + b * c", "bin(+ sel(a{}) bin(* sel(b{}) sel(c{})))"),
        ("a * b + c", "bin(+ bin(* sel(a{}) sel(b{})) sel(c{}))"),
        ("a - b - c", "bin(- bin(- sel(a{}) sel(b{})) sel(c{}))"),
        ("a ^ b ^ c", "bin(^ sel(a{}) bin(^ sel(b{}) sel(c{})))"),
        ("-a ^ b", "neg(bin(^ sel(a{}) sel(b{})))"),
        ("a or b and c unless d", "bin(or sel(a{}) bin(unless bin(and sel(b{}) sel(c{})) sel(d{})))"),
        ("a > bool 1 == 0", "bin(== bin(> bool sel(a{}) num(1.0)) num(0.0))"),
        ("(a + b) * c", "bin(* paren(bin(+ sel(a{}) sel(b{}))) sel(c{}))"),
        // Vector matching.
        ("a / on (job) group_left (team) b", "bin(/ on(job) group_left(team) sel(a{}) sel(b{}))"),
        ("a * ignoring (x) group_right b", "bin(* ignoring(x) group_right() sel(a{}) sel(b{}))"),
        // Selectors, matchers and modifiers.
        (#"x{job="a", path=~"/api.*", code!="200", m!~"x|y"}"#,
         #"sel(x{job="a",path=~"/api.*",code!="200",m!~"x|y"})"#),
        (#"{"my.metric", a="b"}"#, #"sel(my.metric{a="b"})"#),
        ("x offset 5m @ 100", "sel(x{} offset 300000ms @100000ms)"),
        ("rate(x[5m] offset -1h)", "call(rate@0 matrix(sel(x{} offset -3600000ms) [300000ms])@5)"),
        ("x[5m + 1m]", "matrix(sel(x{}) [(300000ms + 60000ms)])"),
        // Subqueries.
        ("max_over_time(rate(x[1m])[30m:1m] @ end())",
         "call(max_over_time@0 subquery(call(rate@14 matrix(sel(x{}) [60000ms])@19) [1800000ms:60000ms] @end)@14)"),
        ("x[10m:]", "subquery(sel(x{}) [600000ms:default])"),
        // Calls: the call's own position and each argument's.
        (#"label_replace(up, "dst", "$1", "job", "(.*)")"#,
         #"call(label_replace@0 sel(up{})@14 str("dst")@18 str("$1")@25 str("job")@31 str("(.*)")@38)"#),
        ("clamp( x , 0, 1 )", "call(clamp@0 sel(x{})@7 num(0.0)@11 num(1.0)@14)"),
        ("time()", "call(time@0 )"),
        // Aggregations: the parameter's position and the expression's, either grouping placement.
        ("sum by (route) (rate(h[5m]))", "agg(sum by(route) call(rate@16 matrix(sel(h{}) [300000ms])@21)@16)"),
        ("sum(x) without (a, b)", "agg(sum without(a,b) sel(x{})@4)"),
        ("topk(5, x)", "agg(topk num(5.0)@5 sel(x{})@8)"),
        (#"count_values("v", x)"#, #"agg(count_values str("v")@13 sel(x{})@18)"#),
        // Literals.
        ("0x1F", "num(31.0)"),
        ("1e3", "num(1000.0)"),
        // A minus before a number literal folds into it, as Prometheus's grammar does.
        ("-Inf", "num(-inf)"),
        ("-(1)", "neg(paren(num(1.0)))"),
        (#"'a\n'"#, #"str("a\n")"#),
        (#""b\"c""#, #"str("b\"c")"#),
    ])
    func trees(query: String, expected: String) throws {
        let tree = Self.dump(try Parser.parse(query))
        #expect(tree == expected, "\(query) gave \(tree)")
    }

    @Test("positions count bytes across lines and multi-byte characters")
    func positionsAcrossLines() throws {
        let expr = try Parser.parse("sum(\n  rate({\"ü\"}[5m])\n)")
        #expect(Self.dump(expr) == "agg(sum call(rate@7 matrix(sel(ü{}) [300000ms])@12)@7)")
    }
}
