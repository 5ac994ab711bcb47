import Testing

@testable import Exposition
@testable import Scraper

@Suite("Metrics lint (tsq check metrics)")
struct MetricsLintTests {
    @Test("clean exposition has no problems")
    func clean() throws {
        let text = """
            # HELP http_requests_total Requests served.
            # TYPE http_requests_total counter
            http_requests_total{code="200"} 10
            # HELP request_duration_seconds Latency.
            # TYPE request_duration_seconds histogram
            request_duration_seconds_bucket{le="0.1"} 1
            request_duration_seconds_bucket{le="+Inf"} 2
            request_duration_seconds_sum 0.3
            request_duration_seconds_count 2

            """
        #expect(try MetricsLint.lint(text) == [])
    }

    @Test("each rule reports the family it found", arguments: [
        ("# TYPE jobs_total counter\njobs_total 1\n", "jobs_total", "no help text"),
        ("# HELP jobs Jobs.\n# TYPE jobs counter\njobs 1\n", "jobs", "counter metrics should have \"_total\" suffix"),
        ("# HELP queue_total Queue.\n# TYPE queue_total gauge\nqueue_total 1\n", "queue_total", "non-counter metrics should not have \"_total\" suffix"),
        ("# HELP wait_milliseconds Wait.\n# TYPE wait_milliseconds gauge\nwait_milliseconds 1\n", "wait_milliseconds", "use base unit \"seconds\" instead of \"milliseconds\""),
        ("# HELP size_kilobytes Size.\n# TYPE size_kilobytes gauge\nsize_kilobytes 1\n", "size_kilobytes", "use base unit \"bytes\" instead of \"kilobytes\""),
        ("# HELP latency_ms Latency.\n# TYPE latency_ms gauge\nlatency_ms 1\n", "latency_ms", "metric names should not contain abbreviated units"),
        ("# HELP cacheHits Hits.\n# TYPE cacheHits gauge\ncacheHits 1\n", "cacheHits", "metric names should be written in 'snake_case' not 'camelCase'"),
        ("# HELP errors_counter_total Errors.\n# TYPE errors_counter_total counter\nerrors_counter_total 1\n", "errors_counter_total", "metric name should not include type 'counter'"),
    ])
    func rule(text: String, metric: String, problem: String) throws {
        let problems = try MetricsLint.lint(text)
        #expect(problems.contains(MetricsLint.Problem(metric: metric, text: problem)), "\(problems)")
    }

    @Test("samples without metadata are one family, reported once")
    func untyped() throws {
        #expect(try MetricsLint.lint("a 1\na 2\n") == [MetricsLint.Problem(metric: "a", text: "no help text")])
    }

    @Test("an OpenMetrics counter family is named without _total and is not told to add it")
    func openMetricsCounter() throws {
        let text = "# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total 1\n# EOF\n"
        #expect(try MetricsLint.lint(text, format: .openMetrics) == [])
    }

    @Test("a parse error is thrown with its line")
    func parseError() {
        #expect(throws: ExpositionError.self) { try MetricsLint.lint("# HELP a A.\na{b=\"c\" 1\n") }
        do {
            _ = try MetricsLint.lint("# HELP a A.\na{b=\"c\" 1\n")
        } catch {
            #expect(error.line == 2)
        }
    }
}
