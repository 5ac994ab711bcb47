import MetricsModel
@testable import PromQL
import PromQLTesting
import Testing

/// The function registry: every signature resolves to an implementation that runs.
@Suite("PromQL function registry")
struct FunctionRegistryTests {
    /// The string arguments each function is called with (label names and the like); "job" otherwise.
    static let stringArguments: [String: [String]] = [
        "label_replace": ["dst", "$1", "job", "(.*)"],
        "label_join": ["dst", "-", "job"],
        "histogram_quantiles": ["quantile"],
    ]

    /// A call of `function` with one argument of each declared type (the repeated one once).
    static func call(_ function: Function) -> String {
        var strings = stringArguments[function.name] ?? ["job"]
        let args = function.arguments.map { type -> String in
            switch type {
            case .vector: return #"metric{job="a"}"#
            case .matrix: return #"metric{job="a"}[5m]"#
            case .scalar: return "0.5"
            case .string: return "\"" + (strings.isEmpty ? "job" : strings.removeFirst()) + "\""
            }
        }
        return "\(function.name)(\(args.joined(separator: ", ")))"
    }

    static func storage() -> MemoryStorage {
        let storage = MemoryStorage()
        storage.add(["__name__": "metric", "job": "a", "le": "1"], (0...20).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0)) })
        return storage
    }

    @Test("every function parses to its registry entry and evaluates, instant and range, to its declared type")
    func everyFunctionRuns() throws {
        let storage = Self.storage()
        #expect(Function.all.count >= 90)
        for (name, function) in Function.all.sorted(by: { $0.key < $1.key }) {
            let query = Self.call(function)
            let expr = try Parser.parse(query)
            guard case .call(let parsed, _, _) = expr else {
                Issue.record("\(query) did not parse to a call")
                continue
            }
            #expect(parsed.name == name)
            #expect(try Parser.type(of: expr) == function.returns)
            do {
                let instant = try Engine().instant(expr, at: 300_000, on: storage)
                switch (function.returns, instant) {
                case (.scalar, .scalar), (.vector, .vector): break
                default: Issue.record("\(query) returned \(instant), declared \(function.returns)")
                }
                let range = try Engine().range(expr, start: 60_000, end: 300_000, step: 60_000, on: storage)
                guard case .matrix = range else { Issue.record("\(query) as a range query returned \(range)"); continue }
            } catch {
                Issue.record("\(query) failed: \(error)")
            }
        }
    }

    @Test("flags: counters, start timestamps, kept names and native-histogram-only functions")
    func flags() throws {
        let counters = Function.all.values.filter { $0.flags.contains(.counter) }.map(\.name).sorted()
        #expect(counters == ["increase", "rate"])
        let startTimestamps = Function.all.values.filter { $0.flags.contains(.usesStartTimestamps) }.map(\.name).sorted()
        #expect(startTimestamps == ["increase", "irate", "rate", "resets", "start_timestamp"])
        #expect(Function.named("last_over_time")!.flags.contains(.keepsName))
        #expect(!Function.named("max_over_time")!.flags.contains(.keepsName))
        // Over float samples a native-histogram function has nothing to act on.
        let storage = Self.storage()
        for function in Function.all.values where function.flags.contains(.nativeHistogramsOnly) {
            let value = try Engine().instant(try Parser.parse(Self.call(function)), at: 300_000, on: storage)
            #expect(value == .vector(timestamp: 300_000, []), "\(function.name)")
        }
        // The name is dropped or kept as the flag says.
        let kept = try Engine().instant(try Parser.parse(#"last_over_time(metric[5m])"#), at: 300_000, on: storage)
        guard case .vector(_, let series) = kept else { Issue.record("not a vector"); return }
        #expect(series.first?.0["__name__"] == "metric")
    }

    @Test("an unknown function is a parse error naming it")
    func unknownFunction() {
        #expect(throws: ParseError.self) { try Parser.parse("no_such_function(metric)") }
        #expect(Function.named("no_such_function") == nil)
    }
}
