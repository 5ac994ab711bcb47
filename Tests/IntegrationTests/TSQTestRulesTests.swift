import Foundation
import Testing
import TestSupport

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

        /// promtool passes unittest.yml, native-histogram input series and expected histograms (with
        /// the counter-reset hints a store keeps) included.
        @Test("unittest.yml passes, its native histogram checks included")
        func unittestFile() async throws {
            let directory = try #require(SharedConformance.directory).appendingPathComponent("rules")
            let result = try await tsq(["test", "rules", "unittest.yml"], directory: directory)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("SUCCESS"))
        }

        /// A wrong expected histogram fails with exp and got written in the test notation.
        @Test("a histogram that differs from the expected one is reported in the {{…}} notation")
        func histogramMismatch() async throws {
            let scratch = try makeTemporaryDirectory("tsq-histogram-test")
            defer { removeTemporaryDirectory(scratch) }
            try "groups: []\n".write(to: scratch.appendingPathComponent("none.yml"), atomically: true, encoding: .utf8)
            try """
            rule_files: [none.yml]
            tests:
              - interval: 1m
                input_series:
                  - series: h
                    values: '{{schema:0 sum:1 count:1 buckets:[1]}}+{{schema:0 sum:1 count:1 buckets:[1]}}x2'
                promql_expr_test:
                  - expr: h
                    eval_time: 2m
                    exp_samples:
                      - labels: h
                        histogram: '{{schema:0 sum:3 count:4 buckets:[3]}}'
            """.write(to: scratch.appendingPathComponent("t.yml"), atomically: true, encoding: .utf8)
            let result = try await tsq(["test", "rules", "t.yml"], directory: scratch)
            #expect(result.status == 1)
            #expect(result.stderr.contains("exp: {__name__=\"h\"} {{count:4 sum:3 buckets:[3]}}"), "\(result.stderr)")
            #expect(result.stderr.contains("got: {__name__=\"h\"} {{count:3 sum:3 counter_reset_hint:not_reset buckets:[3]}}"), "\(result.stderr)")
        }
    }
}
