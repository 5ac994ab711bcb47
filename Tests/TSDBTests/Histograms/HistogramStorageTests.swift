import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("Native histograms in the store")
struct HistogramStorageTests {
    static let hour: Int64 = 3_600_000
    static let logger = Logger(label: "test")

    /// `samples` with the counter-reset hints the store gives a growing counter (unknown first, then
    /// not a reset; gauges stay gauges).
    static func stored(_ samples: [HistogramSample]) -> [HistogramSample] {
        samples.enumerated().map { index, sample in
            var copy = sample
            if copy.histogram.counterResetHint != .gauge { copy.histogram.counterResetHint = index == 0 ? .unknown : .notReset }
            return copy
        }
    }

    static func append(_ db: DB, _ labels: Labels, _ samples: [HistogramSample]) throws {
        for sample in samples {
            var appender = db.appender()
            try appender.appendHistogram(labels, sample)
            try appender.commit()
        }
    }

    static func histograms(_ db: DB, _ name: String, from mint: Int64 = 0, through maxt: Int64 = Int64.max) throws -> [HistogramSample] {
        try db.selectHistograms([try Matcher(.equal, "__name__", name)], from: mint, through: maxt).first?.1 ?? []
    }

    @Test("histograms appended are read back from the head, and floats of the store are unchanged")
    func headRoundTrip() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Self.logger)
        defer { db.close() }
        let samples = Self.stored(HistogramFixtures.samples(300))
        try Self.append(db, ["__name__": "h"], samples)
        var appender = db.appender()
        try appender.append(["__name__": "f"], Sample(timestamp: 299 * 15_000, value: 1))
        try appender.commit()
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), samples)
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h", from: 15_000, through: 45_000), Array(samples[1...3]))
        #expect(try db.select([try Matcher(.equal, "__name__", "h")], from: 0, through: Int64.max).isEmpty)
        #expect(try db.selectHistograms([try Matcher(.equal, "__name__", "f")], from: 0, through: Int64.max).isEmpty)
    }

    @Test("a series holds floats at some times and histograms at others")
    func mixedSeries() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Self.logger)
        defer { db.close() }
        let labels: Labels = ["__name__": "m"]
        var appender = db.appender()
        try appender.append(labels, Sample(timestamp: 0, value: 1))
        try appender.commit()
        try Self.append(db, labels, HistogramFixtures.samples(2, start: 15_000))
        try appender.append(labels, Sample(timestamp: 45_000, value: 2))
        try appender.commit()
        // The newest is a float: a histogram at its time is a duplicate, an older one out of order.
        #expect(throws: AppendError.duplicate(labels: labels, timestamp: 45_000)) {
            try appender.appendHistogram(labels, HistogramSample(timestamp: 45_000, histogram: HistogramFixtures.exponential(1)))
        }
        #expect(throws: AppendError.outOfOrder(labels: labels, timestamp: 40_000)) {
            try appender.appendHistogram(labels, HistogramSample(timestamp: 40_000, histogram: HistogramFixtures.exponential(1)))
        }
        appender.rollback()
        #expect(try db.select([try Matcher(.equal, "__name__", "m")], from: 0, through: Int64.max).first?.1.map(\.timestamp) == [0, 45_000])
        #expect(try Self.histograms(db, "m").map(\.timestamp) == [15_000, 30_000])
    }

    @Test("a resent histogram is accepted and dropped, a different one at that time is a duplicate, an invalid one is refused")
    func refusals() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Self.logger)
        defer { db.close() }
        let labels: Labels = ["__name__": "h"]
        try Self.append(db, labels, HistogramFixtures.samples(3))
        var appender = db.appender()
        try appender.appendHistogram(labels, HistogramSample(timestamp: 30_000, histogram: HistogramFixtures.exponential(2)))
        try appender.appendHistogram(labels, HistogramSample(timestamp: 15_000, histogram: HistogramFixtures.exponential(1)))
        #expect(throws: AppendError.duplicate(labels: labels, timestamp: 30_000)) {
            try appender.appendHistogram(labels, HistogramSample(timestamp: 30_000, histogram: HistogramFixtures.exponential(9)))
        }
        #expect(throws: AppendError.duplicate(labels: labels, timestamp: 30_000)) {
            try appender.append(labels, Sample(timestamp: 30_000, value: 2))
        }
        var broken = HistogramFixtures.exponential(4)
        broken.positiveBuckets.removeLast()
        #expect(throws: AppendError.invalidHistogram(labels: labels, reason: "positive side: spans need 5 buckets, have 4 buckets")) {
            try appender.appendHistogram(labels, HistogramSample(timestamp: 60_000, histogram: broken))
        }
        try appender.commit()
        #expect(try Self.histograms(db, "h").count == 3)
    }

    @Test("histograms survive a restart through WAL replay, and through a checkpoint after head compaction")
    func walReplayAndCheckpoint() throws {
        let dir = TemporaryDirectory()
        // 5 hours at 60 s: the head writes its first 2 h to a block and checkpoints the rest.
        let samples = Self.stored(HistogramFixtures.samples(300, step: 60_000))
        let gauges = Self.stored(HistogramFixtures.samples(300, step: 60_000, HistogramFixtures.custom))
        do {
            let db = try DB(path: dir.path, logger: Self.logger)
            for (h, g) in zip(samples, gauges) {
                var appender = db.appender()
                try appender.appendHistogram(["__name__": "h"], h)
                try appender.appendHistogram(["__name__": "g"], g)
                try appender.commit()
            }
            db.close()
        }
        do {
            let db = try DB(path: dir.path, logger: Self.logger)
            HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), samples)
            db.runMaintenance()
            #expect(db.blocks.count == 1)
            #expect(db.blocks.first?.meta.stats.numSamples == 240)
            HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), samples)
            db.close()
        }
        let db = try DB(path: dir.path, logger: Self.logger)
        defer { db.close() }
        #expect(db.replayReport.records > 0)
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), samples)
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "g"), gauges)
        // Spans inside the block, across the cut, inside the head.
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h", from: 110 * 60_000, through: 130 * 60_000), Array(samples[110...130]))
    }

    @Test("blocks merge histograms, deletions remove them, and snapshots keep them")
    func blocksMergeDeleteSnapshot() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Self.logger)
        defer { db.close() }
        let samples = Self.stored(HistogramFixtures.samples(10 * 60, step: 60_000))
        try Self.append(db, ["__name__": "h"], samples)
        db.runMaintenance()
        #expect(db.blocks.first.map { ($0.minTime, $0.maxTime) } ?? (0, 0) == (0, 6 * Self.hour))
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), samples)

        let snapshot = TemporaryDirectory()
        try db.snapshot(to: snapshot.path + "/copy", includeHead: true)
        let copy = try DB(path: snapshot.path + "/copy", logger: Self.logger)
        HistogramChunkTests.bitsEqual(try Self.histograms(copy, "h"), samples)
        copy.close()

        // One hour in the block and one in the head deleted.
        try db.delete([try Matcher(.equal, "__name__", "h")], from: 60 * 60_000, through: 120 * 60_000 - 1)
        try db.delete([try Matcher(.equal, "__name__", "h")], from: 500 * 60_000, through: 560 * 60_000 - 1)
        let kept = samples.filter { !(60..<120).contains($0.timestamp / 60_000) && !(500..<560).contains($0.timestamp / 60_000) }
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), kept)
        try db.cleanTombstones()
        HistogramChunkTests.bitsEqual(try Self.histograms(db, "h"), kept)
    }
}
