import Foundation
import PromQL
import Testing

/// Runs our own promqltest file for staleness, offset/@, subqueries, collisions, ranges and trig.
@Suite("PromQL engine semantics")
struct EngineSemanticsTests {
    @Test("our documented cases all pass")
    func ownCases() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/engine_semantics.test")
        let outcome = PromQLTestRunner().run(file: "engine_semantics.test", contents: try String(contentsOf: url, encoding: .utf8))
        for failure in outcome.failures { Issue.record("\(failure)") }
        #expect(outcome.failed == 0)
        #expect(outcome.passed == 41)
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
