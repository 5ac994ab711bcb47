import MetricsModel
@testable import PromQL
import PromQLTesting
import Testing

/// Missing points are marked beside the values, never by a value: any float a client stores is a value.
@Suite("Missing points and NaN payloads")
struct StepValuesTests {
    /// The NaN payload the engine once used to mark "no value" in band.
    static let formerMarker = Double(bitPattern: 0x7ff4_a65e_0000_0b5e)

    @Test("a sample holding the former missing-point bit pattern is a value in instant, range and aggregated results")
    func formerMarkerIsAValue() throws {
        let storage = MemoryStorage()
        storage.add(["__name__": "x", "job": "a"], [Sample(timestamp: 60_000, value: Self.formerMarker)])
        storage.add(["__name__": "x", "job": "b"], [Sample(timestamp: 60_000, value: 1)])
        let instant = try Engine().instant(try Parser.parse("x"), at: 60_000, on: storage)
        guard case .vector(_, let series) = instant else { Issue.record("not a vector"); return }
        #expect(series.count == 2)
        #expect(series.first { $0.0["job"] == "a" }.map { $0.1.isNaN } == true)
        let count = try Engine().instant(try Parser.parse("count(x)"), at: 60_000, on: storage)
        #expect(count == .vector(timestamp: 60_000, [(Labels.empty, 2)]))
        let range = try Engine().range(try Parser.parse("x * 2"), start: 60_000, end: 120_000, step: 60_000, on: storage)
        guard case .matrix(let rows) = range else { Issue.record("not a matrix"); return }
        #expect(rows.map { $0.1.count } == [2, 2])
        let last = try Engine().instant(try Parser.parse("last_over_time(x[5m])"), at: 120_000, on: storage)
        guard case .vector(_, let latest) = last else { Issue.record("not a vector"); return }
        #expect(latest.count == 2)
    }

    @Test("presence is kept per step: set, cleared, mapped and compared")
    func presence() {
        var values = StepValues(absent: 130)
        #expect(!values.hasValue)
        values[0] = 1
        values[64] = .nan
        values[129] = Self.formerMarker
        #expect(values.hasValue)
        #expect(values.points.map(\.step) == [0, 64, 129])
        #expect(values[129]?.bitPattern == Self.formerMarker.bitPattern)
        values[64] = nil
        #expect(values[64] == nil)
        let doubled = values.map { $0 * 2 }
        #expect(doubled[0] == 2 && doubled[1] == nil && Array(doubled.points).count == 2)
        #expect(Array(StepValues([1, 2, 3]).points).count == 3)
        #expect(StepValues([1, nil, 3]) == StepValues([1, nil, 3]))
        #expect(StepValues([1, nil, 3]) != StepValues([1, 2, 3]))
    }
}
