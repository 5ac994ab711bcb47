import Foundation
import Testing
import TestSupport
import Yams

extension TSQIntegrationTests {
    /// `tsq test rules` on promtool's own unit-test files gives the exit status promtool's own tests
    /// assert (../shared/conformance/rules/EXPECTED.md).
    @Suite("tsq test rules on promtool's test files", SharedConformance.required)
    struct TSQTestRulesTests {
        static let cases: [([String], Int32)] = [
            (["bad-input-series.yml"], 1), (["bad-promql.yml"], 1), (["bad-rules-syntax-test.yml"], 1),
            (["bad-rules-error-test.yml"], 1), (["failing.yml"], 1), (["no-test-group-interval.yml"], 0), (["rules_run.yml"], 1),
            (["--run", "correct", "--run", "wrong", "rules_run.yml"], 1), (["--run", "correct", "rules_run.yml"], 0),
            (["--run", "wrong", "rules_run.yml"], 1), (["--ignore-unknown-fields", "rules_run_extrafields.yml"], 0),
            (["rules_run_no_fuzzy.yml"], 1), (["--run", "correct", "rules_run_fuzzy.yml"], 0), (["--run", "wrong", "rules_run_fuzzy.yml"], 1),
        ]

        @Test("the exit status promtool gives", arguments: cases)
        func exitStatus(arguments: [String], expected: Int32) async throws {
            let directory = try #require(SharedConformance.directory).appendingPathComponent("rules")
            let result = try await tsq(["test", "rules"] + arguments, directory: directory)
            #expect(result.status == expected, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.hasPrefix("Unit Testing:  \(arguments.last!)\n"))
        }

        @Test("a failing file reports the rule or expression, the time, and exp against got, as promtool does")
        func failureReport() async throws {
            let directory = try #require(SharedConformance.directory).appendingPathComponent("rules")
            let result = try await tsq(["test", "rules", "failing.yml"], directory: directory)
            #expect(result.stderr.hasPrefix("  FAILED:\n    name: Failing test,\n    alertname: Test, time: 0s, \n        exp:[\n"), "\(result.stderr)")
            #expect(result.stderr.contains("    expr: \"test\", time: 0s,\n        exp: {__name__=\"test\"} 1E+00\n        got: {__name__=\"test\"} 0E+00"))
            #expect(result.stderr.contains(#"Annotations:{description=" of job test has been down for more than 5 minutes.", summary="Instance  down"}"#))
        }

        /// promtool passes unittest.yml; two of its groups feed native histograms, which come with
        /// issue 17. Until then the file fails on those and on nothing else.
        @Test("unittest.yml fails only where it needs native histograms")
        func unittestFile() async throws {
            let directory = try #require(SharedConformance.directory).appendingPathComponent("rules")
            let result = try await tsq(["test", "rules", "unittest.yml"], directory: directory)
            #expect(result.status == 1)
            #expect(result.stderr == "  FAILED:\n    native histogram input series are not supported yet: test_histogram\n", "\(result.stderr)")

            // The same file without its native-histogram series and checks passes whole, the first
            // group's other checks (timestamps, repeat, increase, staleness, lookback) included.
            let scratch = try makeTemporaryDirectory("tsq-unittest")
            defer { removeTemporaryDirectory(scratch) }
            try FileManager.default.copyItem(at: directory.appendingPathComponent("rules.yml"), to: scratch.appendingPathComponent("rules.yml"))
            var root = try #require(try Yams.compose(yaml: String(contentsOf: directory.appendingPathComponent("unittest.yml"), encoding: .utf8)))
            root = Self.withoutHistograms(root)
            try Yams.serialize(node: root).write(to: scratch.appendingPathComponent("unittest.yml"), atomically: true, encoding: .utf8)
            let rest = try await tsq(["test", "rules", "unittest.yml"], directory: scratch)
            #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
        }

        /// `node` with every sequence item that names a `test_histogram*` series or expression removed.
        static func withoutHistograms(_ node: Node) -> Node {
            switch node {
            case .mapping(var mapping):
                for (key, value) in mapping { mapping[key] = withoutHistograms(value) }
                return .mapping(mapping)
            case .sequence(var sequence):
                let kept = sequence.filter { item in
                    let named = item.mapping?["series"]?.string ?? item.mapping?["expr"]?.string ?? ""
                    return !named.hasPrefix("test_histogram")
                }
                sequence = Node.Sequence(kept.map(withoutHistograms), sequence.tag, sequence.style, sequence.mark)
                return .sequence(sequence)
            default:
                return node
            }
        }
    }
}
