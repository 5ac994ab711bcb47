import Foundation
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

/// Issue 19's store-side reproductions: a future sample, a sample at `Int64.max`, samples older than
/// the head accepts, and a restart after a block that reaches past its samples.
@Suite("Sample bounds and data safety")
struct SampleBoundsTests {
    static let hour: Int64 = 3_600_000
    /// A fixed "now" (2027-01-15T08:00:00Z), so bounds are exact.
    static let now: Int64 = 1_800_000_000_000 - 1_800_000_000_000 % hour
    static let clock = SampleClock(now: { SampleBoundsTests.now })

    static func options(clock: SampleClock? = SampleBoundsTests.clock) -> DBOptions {
        var options = DBOptions()
        options.head.clock = clock
        return options
    }

    static func append(_ db: DB, _ name: String, _ samples: [Sample]) throws {
        var appender = db.appender()
        for sample in samples { try appender.append(["__name__": name], sample) }
        try appender.commit()
    }

    static func timestamps(_ db: DB, _ name: String) throws -> [Int64] {
        try db.select([try Matcher(.equal, "__name__", name)], from: Int64.min, through: Int64.max).first?.1.map(\.timestamp) ?? []
    }

    @Test("a sample more than the tolerance ahead of the clock is refused as out of bounds and counted")
    func futureSample() throws {
        let head = Head(options: HeadOptions(clock: Self.clock))
        var appender = head.appender()
        try appender.append(["__name__": "m"], Sample(timestamp: Self.now + 10 * 60_000, value: 1))
        #expect(throws: AppendError.outOfBounds(labels: ["__name__": "future_metric"], timestamp: 32_503_680_000_000)) {
            try appender.append(["__name__": "future_metric"], Sample(timestamp: 32_503_680_000_000, value: 1))
        }
        #expect(throws: AppendError.self) { try appender.append(["__name__": "m2"], Sample(timestamp: Int64.max, value: 1)) }
        try appender.commit()
        #expect(head.maxTime == Self.now + 10 * 60_000)
        #expect(head.stats.outOfBoundsSamples == 2)
        #expect(head.stats.tooFarInFutureSamples == 2)
    }

    @Test("an empty head refuses samples older than half a chunk range before now; a running one, behind its newest")
    func oldSamples() throws {
        let head = Head(options: HeadOptions(clock: Self.clock))
        var first = head.appender()
        for timestamp in [0, -1, Self.now - 24 * Self.hour, Self.now - Self.hour - 1] {
            #expect(throws: AppendError.outOfBounds(labels: ["__name__": "old"], timestamp: timestamp)) {
                try first.append(["__name__": "old"], Sample(timestamp: timestamp, value: 1))
            }
        }
        try first.append(["__name__": "m"], Sample(timestamp: Self.now - Self.hour, value: 1))
        try first.commit()
        // The head's newest sample is now an hour old: the bound follows it, not the clock.
        var second = head.appender()
        #expect(throws: AppendError.self) { try second.append(["__name__": "n"], Sample(timestamp: Self.now - 2 * Self.hour - 1, value: 1)) }
        try second.append(["__name__": "n"], Sample(timestamp: Self.now - 2 * Self.hour, value: 1))
        try second.commit()
        #expect(head.stats.outOfBoundsSamples == 5)
        #expect(head.stats.tooFarInFutureSamples == 0)
        #expect(head.minTime == Self.now - 2 * Self.hour)
    }

    @Test("extreme timestamps (no clock) commit, compact, replay after a restart and read back, without a crash")
    func extremeTimestampsWithoutClock() throws {
        let dir = TemporaryDirectory()
        let options = Self.options(clock: nil)
        let extremes: [Int64] = [Int64.min + 1, -1, Int64.max - 1]
        do {
            let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
            // One transaction, so the head's bound behind its newest sample does not refuse any.
            var appender = db.appender()
            for (index, timestamp) in extremes.enumerated() {
                try appender.append(["__name__": "extreme"], Sample(timestamp: timestamp, value: Double(index)))
            }
            // The two ends of Int64 are the store's sentinels, refused as out of bounds.
            for timestamp in [Int64.min, Int64.max] {
                #expect(throws: AppendError.outOfBounds(labels: ["__name__": "sentinel"], timestamp: timestamp)) {
                    try appender.append(["__name__": "sentinel"], Sample(timestamp: timestamp, value: 1))
                }
            }
            try appender.commit()
            try db.flushHead()
            #expect(db.blocks.count == 3)
            db.close()
        }
        let reopened = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(try Self.timestamps(reopened, "extreme") == extremes)
    }

    @Test("a sample at Int64.max - 1 (no clock) left in the WAL replays after a restart")
    func int64MaxInWAL() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try DB(path: dir.path, options: Self.options(clock: nil), logger: Logger(label: "test"))
            try Self.append(db, "m", [Sample(timestamp: 1000, value: 1), Sample(timestamp: Int64.max - 1, value: 2)])
            db.close()
        }
        let reopened = try DB(path: dir.path, options: Self.options(clock: nil), logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(try Self.timestamps(reopened, "m") == [1000, Int64.max - 1])
        // With the clock, the same WAL replays without the future sample.
        reopened.close()
        let bounded = try DB(path: dir.path, options: Self.options(), logger: Logger(label: "test"))
        defer { bounded.close() }
        #expect(try Self.timestamps(bounded, "m") == [1000])
        #expect(bounded.head.stats.replaySkippedSamples == 1)
    }

    @Test("a WAL holding a future sample from before the bounds replays without it, and retention deletes nothing")
    func plantedFutureSample() throws {
        let dir = TemporaryDirectory()
        // Six hours of data up to now, then one sample at year 3000, written by a store without a clock.
        do {
            let db = try DB(path: dir.path, options: Self.options(clock: nil), logger: Logger(label: "test"))
            for minute in stride(from: Self.now - 6 * Self.hour, through: Self.now, by: 60_000) {
                try Self.append(db, "live", [Sample(timestamp: minute, value: 1)])
            }
            try Self.append(db, "future_metric", [Sample(timestamp: 32_503_680_000_000, value: 1)])
            db.close()
        }
        var options = Self.options()
        options.retentionTime = 24 * Self.hour
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        #expect(db.head.stats.replaySkippedSamples == 1)
        #expect(db.head.maxTime == Self.now)
        db.runMaintenance()
        #expect(db.stats.compactions > 0, "the head's old ranges are cut into blocks")
        #expect(db.stats.retentionDeletions == 0)
        #expect(try Self.timestamps(db, "live").count == 6 * 60 + 1)
        #expect(try Self.timestamps(db, "future_metric").isEmpty)
    }

    @Test("a block dated in the future makes retention measure from the clock: current blocks stay")
    func futureBlock() throws {
        let dir = TemporaryDirectory()
        var options = Self.options()
        options.retentionTime = 24 * Self.hour
        // Six hours of history, written as a running server would have (without the clock, which
        // an empty head would hold six hours back).
        do {
            var history = options
            history.head.clock = nil
            let db = try DB(path: dir.path, options: history, logger: Logger(label: "test"))
            for minute in stride(from: Self.now - 6 * Self.hour, through: Self.now, by: 60_000) {
                try Self.append(db, "live", [Sample(timestamp: minute, value: 1)])
            }
            db.runMaintenance()
            #expect(db.blocks.count >= 2)
            db.close()
        }
        var writer = try BlockWriter(parent: dir.path, minTime: 32_503_680_000_000, maxTime: 32_503_680_000_001)
        try writer.add(["__name__": "future_metric"], [Sample(timestamp: 32_503_680_000_000, value: 1)])
        _ = try writer.finish()
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        let before = db.blocks.count
        db.runMaintenance()
        #expect(db.stats.retentionDeletions == 0)
        #expect(db.blocks.count == before)
        #expect(try Self.timestamps(db, "live").count == 6 * 60 + 1)
    }

    @Test("retention never deletes the newest block, even when every block is past the retention time")
    func newestBlockKept() throws {
        let dir = TemporaryDirectory()
        var options = Self.options()
        options.retentionTime = Self.hour
        do {
            let db = try DB(path: dir.path, options: Self.options(clock: nil), logger: Logger(label: "test"))
            for minute in stride(from: Self.now - 6 * Self.hour, through: Self.now - 3 * Self.hour, by: 60_000) {
                try Self.append(db, "live", [Sample(timestamp: minute, value: 1)])
            }
            try db.flushHead()
            db.close()
        }
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        db.runMaintenance()
        let newest = try #require(db.blocks.last)
        #expect(newest.maxTime > Self.now - 4 * Self.hour)
        #expect(db.stats.retentionDeletions >= 1)
        #expect(db.blocks.count == 1)
    }

    @Test("a restart keeps head samples that a block's range covers but its samples do not (tsq import's blocks)")
    func restartAfterImportedBlock() throws {
        let dir = TemporaryDirectory()
        // An imported block over today's range, as `tsq import` wrote it before it recorded its samples' span.
        let day = 24 * Self.hour
        let today = Self.now.windowStart(day)
        var writer = try BlockWriter(parent: dir.path, minTime: today, maxTime: today + day)
        try writer.add(["__name__": "imported"], [Sample(timestamp: today + 60_000, value: 1)])
        _ = try writer.finish()
        do {
            let db = try DB(path: dir.path, options: Self.options(), logger: Logger(label: "test"))
            try Self.append(db, "live", [Sample(timestamp: Self.now - 60_000, value: 1), Sample(timestamp: Self.now, value: 2)])
            db.close()
        }
        let db = try DB(path: dir.path, options: Self.options(), logger: Logger(label: "test"))
        defer { db.close() }
        #expect(try Self.timestamps(db, "live") == [Self.now - 60_000, Self.now])
        #expect(try Self.timestamps(db, "imported") == [today + 60_000])
    }

    @Test("samples in both a block and the head (a crash before the WAL checkpoint) read back once, and compact into one")
    func overlapAfterCrash() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, options: Self.options(clock: nil), logger: Logger(label: "test"))
        defer { db.close() }
        let samples = (0..<100).map { Sample(timestamp: Int64($0) * 60_000, value: Double($0)) }
        try Self.append(db, "m", samples)
        // The block a compaction wrote before dying; the head still has the same samples.
        var writer = try BlockWriter(parent: dir.path, minTime: 0, maxTime: 2 * Self.hour)
        try writer.add(["__name__": "m"], samples)
        let (directory, _) = try writer.finish()
        db.replaceBlocks(removing: [], adding: [try Block(directory: directory)])
        #expect(try db.select([], from: 0, through: Int64.max).first?.1 == samples)
        try db.flushHead()
        #expect(try db.select([], from: 0, through: Int64.max).first?.1 == samples)
    }

    @Test("WAL series records with references past any we hand out are skipped, not allocated for")
    func hugeReference() throws {
        let dir = TemporaryDirectory()
        do {
            let wal = try WAL(directory: dir.path + "/wal", options: WALOptions(), logger: Logger(label: "test"))
            try wal.startWriting()
            let huge: SeriesRef = 1 << 62
            let series: [(ref: SeriesRef, labels: Labels)] = [(huge, ["__name__": "huge"]), (1, ["__name__": "ok"])]
            let samples: [(ref: SeriesRef, sample: Sample)] = [(huge, Sample(timestamp: 5, value: 1)), (1, Sample(timestamp: 5, value: 1))]
            try wal.log([.series(series), .samples(samples)])
            wal.close()
        }
        let db = try DB(path: dir.path, options: Self.options(clock: nil), logger: Logger(label: "test"))
        defer { db.close() }
        #expect(try Self.timestamps(db, "ok") == [5])
        #expect(try Self.timestamps(db, "huge").isEmpty)
    }
}
