import Foundation
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("WAL and head persistence")
struct WALTests {
    static let logger = Logger(label: "test")

    static func openDB(_ path: String, options: DBOptions = DBOptions()) throws -> DB {
        try DB(path: path, options: options, logger: logger)
    }

    static func write(_ db: DB, series: Int, samples: Int, start: Int64 = 0, step: Int64 = 15_000) throws {
        for i in 0..<samples {
            var appender = db.appender()
            for s in 0..<series {
                try appender.append(["__name__": "m", "s": "\(s)"], Sample(timestamp: start + Int64(i) * step, value: Double(i * s)))
            }
            try appender.commit()
        }
    }

    @Test("committed samples survive a restart through WAL replay")
    func replay() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try Self.openDB(dir.path)
            try Self.write(db, series: 10, samples: 300)
            db.close()
        }
        let reopened = try Self.openDB(dir.path)
        defer { reopened.close() }
        let result = try reopened.select([try Matcher(.equal, "s", "7")], from: 0, through: Int64.max)
        #expect(result.count == 1)
        #expect(result.first?.1.count == 300)
        #expect(result.first?.1.last == Sample(timestamp: 299 * 15_000, value: Double(299 * 7)))
        #expect(reopened.replayReport.records > 0)
    }

    @Test("a torn tail is cut with a warning and earlier records are kept")
    func tornTail() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try Self.openDB(dir.path)
            try Self.write(db, series: 3, samples: 50)
            db.close()
        }
        // Tear the last record: drop its final 5 bytes, then append garbage.
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal").filter { $0.count == 8 }.sorted()
        let last = dir.path + "/wal/" + segments.last { (try? FileManager.default.attributesOfItem(atPath: dir.path + "/wal/" + $0)[.size] as? Int ?? 0) ?? 0 > 0 }!
        var bytes = try Data(contentsOf: URL(fileURLWithPath: last))
        bytes.removeLast(5)
        bytes.append(contentsOf: [0x02, 0xff, 0xff])
        try bytes.write(to: URL(fileURLWithPath: last))
        do {
            let reopened = try Self.openDB(dir.path)
            defer { reopened.close() }
            #expect(reopened.replayReport.repaired != nil)
            let result = try reopened.select([], from: 0, through: Int64.max)
            // The last commit (one record with 3 samples) is lost; all 49 before it remain.
            #expect(result.count == 3)
            #expect(result.allSatisfy { $0.1.count == 49 })
            // And the repaired log takes new writes that survive another restart.
            var appender = reopened.appender()
            try appender.append(["__name__": "m", "s": "0"], Sample(timestamp: 10_000_000, value: 1))
            try appender.commit()
        }
        let again = try Self.openDB(dir.path)
        defer { again.close() }
        let series = try again.select([try Matcher(.equal, "s", "0")], from: 0, through: Int64.max)
        #expect(series.first?.1.count == 50)
        #expect(series.first?.1.last == Sample(timestamp: 10_000_000, value: 1))
    }

    @Test("corruption in the middle stops replay there and keeps what came before", arguments: [0.3, 0.6, 0.9])
    func corruptMiddle(fraction: Double) throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.wal.segmentSize = 4096
        do {
            let db = try Self.openDB(dir.path, options: options)
            try Self.write(db, series: 5, samples: 200)
            db.close()
        }
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal").filter { $0.count == 8 }.sorted()
        #expect(segments.count > 3)
        let victimIndex = Int(Double(segments.count - 1) * fraction)
        let victim = dir.path + "/wal/" + segments[victimIndex]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try #require(bytes.count > 20, "the damaged segment must have records to damage")
        bytes[bytes.count / 2] ^= 0x5a
        try bytes.write(to: URL(fileURLWithPath: victim))
        let reopened = try Self.openDB(dir.path, options: options)
        defer { reopened.close() }
        let result = try reopened.select([], from: 0, through: Int64.max)
        // Whatever survived is a prefix: each series has samples 0..<n for the same n (±1 commit).
        let counts = Set(result.map(\.1.count))
        #expect(counts.count <= 2)
        // Something was cut (replay stopped in the damaged segment), and the segments before it
        // were all replayed.
        #expect(counts.allSatisfy { $0 < 200 }, "\(counts)")
        if victimIndex > 0 { #expect(result.count == 5 && counts.allSatisfy { $0 > 0 }, "\(counts)") }
        for (_, samples) in result {
            #expect(samples.enumerated().allSatisfy { $0.element.timestamp == Int64($0.offset) * 15_000 })
        }
    }

    @Test("a checkpoint replaces old segments and replays to the same state")
    func checkpoint() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try Self.openDB(dir.path)
            try Self.write(db, series: 4, samples: 100)
            try db.head.checkpointWAL()
            try Self.write(db, series: 4, samples: 20, start: 100 * 15_000)
            db.close()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal")
        #expect(names.contains { $0.hasPrefix("checkpoint.") })
        let reopened = try Self.openDB(dir.path)
        defer { reopened.close() }
        let result = try reopened.select([], from: 0, through: Int64.max)
        #expect(result.count == 4)
        #expect(result.allSatisfy { $0.1.count == 120 })
    }

    @Test("a second process cannot open the same directory")
    func lock() throws {
        let dir = TemporaryDirectory()
        let db = try Self.openDB(dir.path)
        defer { db.close() }
        #expect(throws: StorageError.self) { try Self.openDB(dir.path) }
    }

    @Test("an out-of-order window accepts late samples and refuses older ones")
    func outOfOrderWindow() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.head.outOfOrderWindow = 60_000
        let db = try Self.openDB(dir.path, options: options)
        var appender = db.appender()
        try appender.append(["__name__": "m"], Sample(timestamp: 100_000, value: 1))
        try appender.commit()
        var late = db.appender()
        try late.append(["__name__": "m"], Sample(timestamp: 70_000, value: 2))
        #expect(throws: AppendError.self) { try late.append(["__name__": "m"], Sample(timestamp: 30_000, value: 3)) }
        try late.commit()
        #expect(try db.select([], from: 0, through: Int64.max).first?.1.map(\.timestamp) == [70_000, 100_000])
        db.close()
        let reopened = try Self.openDB(dir.path, options: options)
        defer { reopened.close() }
        #expect(try reopened.select([], from: 0, through: Int64.max).first?.1.map(\.timestamp) == [70_000, 100_000])
    }
}
