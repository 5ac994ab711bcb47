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
        #expect(outcome.passed == 28)
    }
}
