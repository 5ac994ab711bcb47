import Foundation
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("Blocks, compaction and retention")
struct BlockTests {
    static let hour: Int64 = 3_600_000

    @Test("a block answers matcher queries as the head did")
    func blockMatchers() throws {
        let dir = TemporaryDirectory()
        var writer = try BlockWriter(parent: dir.path, minTime: 0, maxTime: 2 * Self.hour)
        var expected: [(Labels, [Sample])] = []
        for job in ["api", "ws", "db"] {
            for instance in 0..<4 {
                var pairs = ["__name__": "up", "job": job, "instance": "i\(instance)"]
                if instance == 0 { pairs["canary"] = "yes" }
                let labels = Labels(pairs)
                let samples = (0..<300).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0 + instance)) }
                try writer.add(labels, samples)
                expected.append((labels, samples))
            }
        }
        let (path, meta) = try writer.finish()
        #expect(meta.stats.numSeries == 12)
        let block = try Block(directory: path)
        let cases: [([Matcher], Int)] = [
            ([], 12),
            ([try Matcher(.equal, "job", "api")], 4),
            ([try Matcher(.regexMatch, "job", "api|ws")], 8),
            ([try Matcher(.notEqual, "job", "api")], 8),
            ([try Matcher(.regexNoMatch, "instance", "i[01]")], 6),
            ([try Matcher(.equal, "canary", "")], 9),
            ([try Matcher(.notEqual, "canary", "")], 3),
            ([try Matcher(.regexMatch, "canary", ".*")], 12),
            ([try Matcher(.equal, "job", "api"), try Matcher(.equal, "instance", "i2")], 1),
            ([try Matcher(.equal, "job", "nope")], 0),
            ([try Matcher(.regexMatch, "job", ".+"), try Matcher(.regexMatch, "instance", "i.*3")], 3),
        ]
        for (matchers, count) in cases {
            let result = try block.select(matchers, from: 0, through: Int64.max)
            #expect(result.count == count, "\(matchers)")
            let want = expected.filter { $0.0.matches(matchers) }.sorted { $0.0 < $1.0 }
            #expect(result.map(\.0) == want.map(\.0), "\(matchers)")
            #expect(zip(result, want).allSatisfy { $0.1 == $1.1 })
        }
        let window = try block.select([try Matcher(.equal, "instance", "i1"), try Matcher(.equal, "job", "ws")], from: 15_000 * 10, through: 15_000 * 19)
        #expect(window.first?.1.count == 10)
        #expect(block.labelValues("job") == ["api", "db", "ws"])
        #expect(block.labelNames == ["__name__", "canary", "instance", "job"])
    }

    @Test("the head compacts into 2 h blocks, truncates, and queries span both")
    func headCompaction() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        // 5 hours at 60 s for 20 series.
        for i in 0..<300 {
            var appender = db.appender()
            for s in 0..<20 { try appender.append(["__name__": "c", "s": "\(s)"], Sample(timestamp: Int64(i) * 60_000, value: Double(i))) }
            try appender.commit()
        }
        db.runMaintenance()
        #expect(db.blocks.count == 1)
        #expect(db.blocks.first?.minTime == 0)
        #expect(db.blocks.first?.maxTime == 2 * Self.hour)
        #expect(db.head.minTime >= 2 * Self.hour)
        let all = try db.select([try Matcher(.equal, "s", "3")], from: 0, through: Int64.max)
        #expect(all.first?.1.count == 300)
        #expect(all.first?.1.map(\.value) == (0..<300).map(Double.init))
        // Streaming one series at a time gives what select gives, block and head merged, in label
        // order, for spans inside the block, across the cut and inside the head.
        let everything = try Matcher(.equal, "__name__", "c")
        for (from, through) in [(0, Int64.max), (10 * 60_000, 60 * 60_000), (30 * 60_000, 150 * 60_000), (125 * 60_000, 126 * 60_000), (200 * 60_000, 299 * 60_000)] as [(Int64, Int64)] {
            let selected = try db.select([everything], from: from, through: through)
            let streamed = try db.mapSeries([everything], from: from, through: through) { labels, samples in (labels, samples) }
            #expect(streamed.map(\.0) == selected.map(\.0))
            #expect(streamed.map(\.1) == selected.map(\.1))
        }
        db.close()
        // Restart: blocks are reopened and the WAL holds only what the head still has.
        let reopened = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(try reopened.select([try Matcher(.equal, "s", "3")], from: 0, through: Int64.max).first?.1.count == 300)
    }

    @Test("leveled compaction merges three 2 h blocks into one 6 h block")
    func leveledCompaction() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        for i in 0..<(10 * 60) {
            var appender = db.appender()
            for s in 0..<5 { try appender.append(["__name__": "g", "s": "\(s)"], Sample(timestamp: Int64(i) * 60_000, value: Double(i % 7))) }
            try appender.commit()
        }
        db.runMaintenance()
        let ranges = db.blocks.map { ($0.minTime / Self.hour, $0.maxTime / Self.hour) }
        #expect(ranges.first.map { $0 == (0, 6) } == true, "\(ranges)")
        #expect(db.blocks.first?.meta.compaction.level == 2)
        let samples = try db.select([try Matcher(.equal, "s", "2")], from: 0, through: Int64.max).first?.1 ?? []
        #expect(samples.count == 600)
        #expect(samples.map(\.timestamp) == (0..<600).map { Int64($0) * 60_000 })
    }

    @Test("retention by time deletes blocks that end before the window")
    func retentionTime() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.retentionTime = 4 * Self.hour
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        for i in 0..<(12 * 60) {
            var appender = db.appender()
            try appender.append(["__name__": "g"], Sample(timestamp: Int64(i) * 60_000, value: 1))
            try appender.commit()
        }
        db.runMaintenance()
        let newest = db.head.maxTime
        #expect(db.blocks.allSatisfy { $0.maxTime > newest - 4 * Self.hour })
        #expect(try db.select([], from: 0, through: Int64.max).first?.1.first?.timestamp ?? 0 >= newest - 6 * Self.hour)
    }

    @Test("retention by size counts the WAL and deletes the oldest blocks first")
    func retentionSize() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.retentionSize = 1
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        for i in 0..<(7 * 60) {
            var appender = db.appender()
            try appender.append(["__name__": "g"], Sample(timestamp: Int64(i) * 60_000, value: 1))
            try appender.commit()
        }
        db.runMaintenance()
        // Two blocks were written ([0, 2h) and [2h, 4h)); with a 1-byte limit every block but the
        // newest goes. The newest block and the head (with its WAL) are never deleted.
        #expect(db.stats.compactions == 2)
        #expect(db.stats.retentionDeletions == 1)
        #expect(db.blocks.map { $0.minTime / Self.hour } == [2])
        #expect(db.head.seriesCount == 1)
    }

    @Test("postings set operations", arguments: [
        ([1, 3, 5, 7], [3, 4, 5], [3, 5], [1, 7]), ([], [1], [], []), ([1, 2, 3], [], [], [1, 2, 3]),
        (Array(1...1000), [2, 500, 999, 5000], [2, 500, 999], Array(1...1000).filter { ![2, 500, 999].contains($0) }),
    ] as [([UInt32], [UInt32], [UInt32], [UInt32])])
    func postings(a: [UInt32], b: [UInt32], intersection: [UInt32], difference: [UInt32]) {
        #expect(Postings.intersect(a, b) == intersection)
        #expect(Postings.intersect(b, a) == intersection)
        #expect(Postings.subtract(a, b) == difference)
        #expect(Postings.union([a, b]) == Array(Set(a).union(b)).sorted())
    }

    @Test("a corrupted chunk is reported, not crashed on")
    func corruptChunk() throws {
        let dir = TemporaryDirectory()
        var writer = try BlockWriter(parent: dir.path, minTime: 0, maxTime: Self.hour)
        try writer.add(["__name__": "x"], (0..<100).map { Sample(timestamp: Int64($0) * 1000, value: Double($0)) })
        let (path, _) = try writer.finish()
        let file = path + "/chunks/000001"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[20] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: file))
        let block = try Block(directory: path)
        #expect(throws: StorageError.self) { try block.select([], from: 0, through: Int64.max) }
    }
}
