import Logging
import MetricsModel
import Testing
import TestSupport

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

@Suite("Head postings")
struct HeadPostingsTests {
    static let names = ["job", "instance", "status", "path"]
    static let values = ["", "a", "b", "api", "ws", "500", "200", "/x"]

    /// Random label sets and random matchers of every type: the postings-resolved selection equals a
    /// scan that runs every matcher on every series.
    @Test("selection through the postings equals a scan of every series, for random series and matchers")
    func randomMatchers() throws {
        var random = SplitMix(seed: 11)
        let head = Head()
        var all: [Labels] = []
        var appender = head.appender()
        for index in 0..<400 {
            var builder = LabelsBuilder()
            builder.set("__name__", ["up", "requests_total", "latency"][index % 3])
            for name in Self.names where random.next() % 3 != 0 {
                builder.set(name, Self.values[Int(random.next() % UInt64(Self.values.count))])
            }
            builder.set("i", "\(index)")
            let labels = builder.labels()
            all.append(labels)
            try appender.append(labels, Sample(timestamp: 1000, value: Double(index)))
        }
        try appender.commit()
        let types: [MatchType] = [.equal, .notEqual, .regexMatch, .regexNoMatch]
        for _ in 0..<300 {
            var matchers: [Matcher] = []
            for _ in 0..<Int(1 + random.next() % 3) {
                let name = (Self.names + ["__name__"])[Int(random.next() % UInt64(Self.names.count + 1))]
                let type = types[Int(random.next() % 4)]
                let value = type == .regexMatch || type == .regexNoMatch
                    ? ["a|b", ".*", ".+", "a.*", "", "5.."][Int(random.next() % 6)]
                    : (Self.values + ["up"])[Int(random.next() % UInt64(Self.values.count + 1))]
                matchers.append(try Matcher(type, name, value))
            }
            let expected = all.filter { $0.matches(matchers) }.sorted()
            #expect(head.series(matchers).sorted() == expected, "\(matchers)")
            #expect(head.select(matchers, from: 0, through: 2000).map(\.0) == expected, "\(matchers)")
        }
    }

    @Test("series that leave the head leave the postings, label names and values")
    func truncation() throws {
        let head = Head()
        var appender = head.appender()
        try appender.append(["__name__": "old", "job": "gone"], Sample(timestamp: 1000, value: 1))
        try appender.append(["__name__": "new", "job": "kept"], Sample(timestamp: 8_000_000, value: 1))
        try appender.commit()
        #expect(Set(head.labelValues("job")) == ["gone", "kept"])
        head.truncate(before: 7_200_000)
        #expect(head.labelValues("job") == ["kept"])
        #expect(head.series([try Matcher(.equal, "job", "gone")]).isEmpty)
        #expect(head.series([try Matcher(.regexMatch, "job", ".+")]).map { $0["job"] } == ["kept"])
        #expect(Set(head.labelNames) == ["__name__", "job"])
    }

    @Test("after WAL replay the postings select what was written")
    func replay() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try DB(path: dir.path, logger: Logger(label: "test"))
            var appender = db.appender()
            for index in 0..<50 { try appender.append(["__name__": "m", "k": "\(index % 5)"], Sample(timestamp: Int64(index), value: 1)) }
            try appender.commit()
            db.close()
        }
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        #expect(db.head.series([try Matcher(.equal, "k", "3")]).count == 1)
        #expect(try db.select([try Matcher(.regexMatch, "k", "[12]")], from: 0, through: 100).map { $0.1.count } == [10, 10])
    }
}

@Suite("Head edge cases")
struct HeadEdgeCaseTests {
    @Test("a reference to a series that left the head is refused without labels, and re-resolved with them")
    func referenceAfterTruncation() throws {
        let head = Head()
        var appender = head.appender()
        let ref = try appender.append(0, ["__name__": "gone"], Sample(timestamp: 1000, value: 1))
        try appender.commit()
        #expect(ref != 0)
        head.truncate(before: 7_200_000)
        #expect(head.seriesCount == 0)
        var later = head.appender()
        #expect(throws: AppendError.unknownReference(ref)) { try later.append(ref, .empty, Sample(timestamp: 8_000_000, value: 2)) }
        let fresh = try later.append(ref, ["__name__": "gone"], Sample(timestamp: 8_000_000, value: 2))
        try later.commit()
        #expect(fresh != ref)
        #expect(head.select([], from: 0, through: Int64.max).map { $0.1 } == [[Sample(timestamp: 8_000_000, value: 2)]])
    }

    @Test("two appenders racing on one series: the first commit wins, the second's stale sample is refused and counted")
    func racingAppenders() throws {
        let head = Head()
        var first = head.appender()
        var second = head.appender()
        try first.append(["__name__": "m"], Sample(timestamp: 10, value: 1))
        try second.append(["__name__": "m"], Sample(timestamp: 10, value: 2))
        try second.append(["__name__": "other"], Sample(timestamp: 10, value: 3))
        try first.commit()
        try second.commit()
        #expect(head.select([try Matcher(.equal, "__name__", "m")], from: 0, through: 100).first?.1 == [Sample(timestamp: 10, value: 1)])
        #expect(head.select([try Matcher(.equal, "__name__", "other")], from: 0, through: 100).first?.1 == [Sample(timestamp: 10, value: 3)])
        #expect(head.stats.samplesAppended == 2)
        #expect(head.stats.outOfOrderSamples == 1)
    }

    @Test("a checkpoint of more than 10,000 series (12,000 here) batches its records, each series before its chunks, and replays whole")
    func checkpointBatching() throws {
        let dir = TemporaryDirectory()
        let count = 12_000
        do {
            let db = try DB(path: dir.path, logger: Logger(label: "test"))
            var appender = db.appender()
            for index in 0..<count { try appender.append(["__name__": "m", "i": "\(index)"], Sample(timestamp: 1000, value: Double(index))) }
            try appender.commit()
            let records = db.head.checkpointRecords()
            var seen = Set<SeriesRef>()
            var seriesRecords = 0
            for record in records {
                switch record {
                case .series(let entries):
                    seriesRecords += 1
                    #expect(entries.count <= 10_000)
                    seen.formUnion(entries.map(\.ref))
                case .chunks(let entries):
                    #expect(entries.count <= 10_000)
                    #expect(entries.allSatisfy { seen.contains($0.ref) }, "a chunk record precedes its series record")
                default:
                    break
                }
            }
            #expect(seriesRecords >= 2)
            #expect(seen.count == count)
            try db.head.checkpointWAL()
            db.close()
        }
        let reopened = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(reopened.head.seriesCount == count)
        #expect(try reopened.select([try Matcher(.equal, "i", "11999")], from: 0, through: 2000).first?.1 == [Sample(timestamp: 1000, value: 11_999)])
    }
}
