import MetricsModel
import Testing

@testable import TSDB

@Suite("Head")
struct HeadTests {
    @Test("committed samples are visible, rolled back ones are not")
    func commitAndRollback() throws {
        let head = Head()
        var appender = head.appender()
        try appender.append(["__name__": "a"], Sample(timestamp: 1, value: 1))
        try appender.append(["__name__": "a"], Sample(timestamp: 2, value: 2))
        try appender.commit()
        var second = head.appender()
        try second.append(["__name__": "a"], Sample(timestamp: 3, value: 3))
        second.rollback()
        let result = head.select([try Matcher(.equal, "__name__", "a")], from: 0, through: 10)
        #expect(result.count == 1)
        #expect(result.first?.1 == [Sample(timestamp: 1, value: 1), Sample(timestamp: 2, value: 2)])
        #expect(head.stats.samplesAppended == 2)
    }

    @Test("out-of-order samples and second values for a timestamp are refused and counted apart")
    func outOfOrder() throws {
        let head = Head()
        var appender = head.appender()
        try appender.append(["__name__": "a"], Sample(timestamp: 10, value: 1))
        #expect(throws: AppendError.duplicate(labels: ["__name__": "a"], timestamp: 10)) {
            try appender.append(["__name__": "a"], Sample(timestamp: 10, value: 2))
        }
        try appender.commit()
        var late = head.appender()
        #expect(throws: AppendError.outOfOrder(labels: ["__name__": "a"], timestamp: 5)) {
            try late.append(["__name__": "a"], Sample(timestamp: 5, value: 2))
        }
        #expect(throws: AppendError.duplicate(labels: ["__name__": "a"], timestamp: 10)) {
            try late.append(["__name__": "a"], Sample(timestamp: 10, value: 3))
        }
        #expect(head.stats.outOfOrderSamples == 1)
        #expect(head.stats.duplicateSamples == 2)
    }

    @Test("the same sample again, timestamp and value, is accepted and stored once")
    func exactDuplicate() throws {
        let head = Head()
        for _ in 0..<2 {
            var appender = head.appender()
            try appender.append(["__name__": "a"], Sample(timestamp: 10, value: 1))
            try appender.append(["__name__": "a"], Sample(timestamp: 10, value: 1))
            try appender.commit()
        }
        #expect(head.select([], from: 0, through: 100).first?.1 == [Sample(timestamp: 10, value: 1)])
        #expect(head.stats.samplesAppended == 1)
        // An older sample sent again, as a retried batch sends it, is no refusal either; another
        // value at that timestamp is out of order.
        var newer = head.appender()
        try newer.append(["__name__": "a"], Sample(timestamp: 20, value: 2))
        try newer.commit()
        var resend = head.appender()
        try resend.append(["__name__": "a"], Sample(timestamp: 10, value: 1))
        #expect(throws: AppendError.outOfOrder(labels: ["__name__": "a"], timestamp: 10)) {
            try resend.append(["__name__": "a"], Sample(timestamp: 10, value: 5))
        }
        try resend.commit()
        #expect(head.select([], from: 0, through: 100).first?.1.count == 2)
        #expect(head.stats.duplicateSamples == 0)
        // NaN payloads compare by bits, as Prometheus compares them.
        var nan = head.appender()
        try nan.append(["__name__": "n"], Sample(timestamp: 10, value: StaleMarker.value))
        try nan.commit()
        var again = head.appender()
        try again.append(["__name__": "n"], Sample(timestamp: 10, value: StaleMarker.value))
        #expect(throws: AppendError.self) { try again.append(["__name__": "n"], Sample(timestamp: 10, value: .nan)) }
    }

    @Test("series cut a new chunk every 120 samples and read back across chunks")
    func chunkCutting() throws {
        let head = Head()
        var appender = head.appender()
        for i in 0..<1000 { try appender.append(["__name__": "c"], Sample(timestamp: Int64(i) * 15_000, value: Double(i))) }
        try appender.commit()
        let samples = try #require(head.select([], from: 15_000 * 100, through: 15_000 * 899).first?.1)
        #expect(samples.count == 800)
        #expect(samples.first?.value == 100)
        #expect(samples.last?.value == 899)
    }

    @Test("appenders on different series run in parallel without losing samples")
    func concurrentAppenders() async throws {
        let head = Head()
        await withTaskGroup(of: Void.self) { group in
            for target in 0..<8 {
                group.addTask {
                    for scrape in 0..<50 {
                        var appender = head.appender()
                        for series in 0..<20 {
                            try? appender.append(["__name__": "m", "target": "\(target)", "s": "\(series)"], Sample(timestamp: Int64(scrape), value: 1))
                        }
                        try? appender.commit()
                    }
                }
            }
        }
        #expect(head.seriesCount == 160)
        #expect(head.stats.samplesAppended == 8 * 50 * 20)
    }
}
