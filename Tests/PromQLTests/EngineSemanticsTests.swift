import Foundation
@testable import PromQL
@testable import PromQLTesting
import Testing

/// Runs our own promqltest file for staleness, offset/@, subqueries, collisions, ranges and trig.
@Suite("PromQL engine semantics")
struct EngineSemanticsTests {
    /// Runs one of our fixture files; every eval must pass, and exactly `count` of them.
    static func fixture(_ name: String, passes count: Int) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let outcome = PromQLTestRunner().run(file: name, contents: try String(contentsOf: url, encoding: .utf8))
        for failure in outcome.failures { Issue.record("\(failure)") }
        #expect(outcome.failed == 0)
        #expect(outcome.passed == count)
    }

    @Test("a command the runner does not know is skipped and counted with its data lines, not run and not silently dropped")
    func unknownCommandSkipped() {
        let script = "load 1m\n  x 1 2\n\nfrobnicate at 1m x\n  x 1\n\neval instant at 1m x\n  x 2\n"
        let outcome = PromQLTestRunner().run(file: "t.test", contents: script)
        #expect(outcome.passed == 1 && outcome.failed == 0 && outcome.skipped == 1)
        #expect(outcome.skips == ["t.test:4: unknown command frobnicate at 1m x"])
    }

    @Test("our documented cases all pass")
    func ownCases() throws { try Self.fixture("engine_semantics.test", passes: 48) }

    @Test("annotations: texts and positions of warnings and infos for float and classic input")
    func annotationCases() throws { try Self.fixture("annotations.test", passes: 27) }

    @Test("start timestamps: resets, rate, increase, irate and start_timestamp() read them; subqueries drop them")
    func startTimestampCases() throws { try Self.fixture("start_timestamps_own.test", passes: 16) }

    @Test("@st items expand to per-sample start offsets")
    func startOffsets() throws {
        #expect(try SeriesDescription.startOffsets("_ -30s-1mx2 +1m _x2 -1msx1 0") == [nil, -30_000, -90_000, -150_000, 60_000, nil, nil, -1, -1, 0])
        #expect(throws: EvaluationError.self) { try SeriesDescription.startOffsets("-1q") }
    }

    @Test("the @ re-check pins every selector and outermost subquery, replacing start() and end()")
    func pinning() throws {
        func pinned(_ query: String) throws -> String { PromQLTestRunner.pinned(try Parser.parse(query), at: 300_000).description }
        #expect(try pinned("rate(x[5m]) + y offset 1m") == "rate(x[5m] @ 300.000) + y @ 300.000 offset 1m")
        #expect(try pinned("max_over_time(x[5m:1m])") == "max_over_time(x[5m:1m] @ 300.000)")
        #expect(try pinned("y @ end() + z @ 10") == "y @ 300.000 + z @ 10.000")
        #expect(PromQLTestRunner.variantTimes(300_000) == [-3_000_000, 0, 60_000, 300_000, 3_000_000])
        #expect(PromQLTestRunner.variantTimes(0) == [-1000, 0, 1000])
        #expect(PromQLTestRunner.calledFunctions(try Parser.parse("sum(rate(x[5m])) * time()")) == ["rate", "time"])
    }

    @Test("the runner fails an eval whose annotations differ in text, position or kind")
    func annotationMismatchesFail() {
        let script = """
            load 1m
                gauge_value 1+1x5

            eval instant at 5m rate(gauge_value[5m])
                expect info msg: PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gauge_value" (1:7)

            eval instant at 5m rate(gauge_value[5m])
                expect no_info

            eval instant at 5m rate(gauge_value[5m])
                expect warn

            eval instant at 5m rate(gauge_value[5m])
                expect info regex: ^PromQL info: metric might not be a counter.*"gauge_value" \\(1:6\\)$
                {} 0.016666666666666666
            """
        let outcome = PromQLTestRunner().run(file: "inline.test", contents: script)
        #expect(outcome.failed == 3)
        #expect(outcome.passed == 1)
    }
}

@Suite("Query deadline and cancellation")
struct QueryContextTests {
    @Test("a passed deadline stops evaluation with a timeout; a cancelled context with canceled")
    func deadline() throws {
        let storage = MemoryStorage()
        let expr = try Parser.parse("sum(rate(x[5m]))")
        #expect(throws: EvaluationError("query timed out in query execution", kind: .timeout)) {
            try Engine().instant(expr, at: 1000, on: storage, context: QueryContext(deadline: .now - .seconds(1)))
        }
        let context = QueryContext()
        context.cancel()
        #expect(throws: EvaluationError("query was canceled in query execution", kind: .canceled)) {
            try Engine().range(expr, start: 0, end: 60_000, step: 1000, on: storage, context: context)
        }
        #expect(throws: Never.self) { try Engine().instant(expr, at: 1000, on: storage, context: QueryContext(deadline: .now + .seconds(60))) }
    }
}
