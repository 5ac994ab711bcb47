import Foundation
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("WAL tail and readers' holds")
struct WALTailTests {
    static let logger = Logger(label: "test")

    /// A WAL with small segments, written as a DB writes it.
    static func openWAL(_ path: String) throws -> WAL {
        let wal = try WAL(directory: path, options: WALOptions(segmentSize: 1024), logger: logger)
        try wal.startWriting()
        return wal
    }

    /// Logs `count` commits of one new series and one sample each; refs from `firstRef`.
    static func logCommits(_ wal: WAL, count: Int, firstRef: SeriesRef = 1) throws {
        for index in 0..<count {
            let ref = firstRef + SeriesRef(index)
            try wal.log([
                .series([(ref, Labels(["__name__": "m", "i": "\(ref)"]))]),
                .samples([(ref, Sample(timestamp: Int64(ref) * 1000, value: Double(ref)))]),
            ])
        }
    }

    /// Every samples record's (ref, timestamp) from `position` on, as the tail reads them.
    static func readAll(_ tail: WALTail) throws -> [(SeriesRef, Int64)] {
        var out: [(SeriesRef, Int64)] = []
        while try tail.read(maxBytes: 1000, { entry in
            if case .samples(let samples) = entry.record { out += samples.map { ($0.ref, $0.sample.timestamp) } }
            return true
        }) > 0 {}
        return out
    }

    @Test("the tail reads every record in order across segments, and picks up what is written later")
    func followsAcrossSegments() throws {
        let dir = TemporaryDirectory()
        let wal = try Self.openWAL(dir.path)
        defer { wal.close() }
        try Self.logCommits(wal, count: 200)
        #expect(try wal.segments().count > 3)
        let tail = WALTail(directory: dir.path, from: WALPosition(segment: 0, offset: 0))
        let first = try Self.readAll(tail)
        #expect(first.map(\.0) == (1...200).map { SeriesRef($0) })
        #expect(try Self.readAll(tail).isEmpty, "nothing new was written")
        try Self.logCommits(wal, count: 50, firstRef: 201)
        #expect(try Self.readAll(tail).map(\.0) == (201...250).map { SeriesRef($0) })
    }

    @Test("a frame still being written is not read until it is whole")
    func partialFrame() throws {
        let dir = TemporaryDirectory()
        let wal = try Self.openWAL(dir.path)
        try Self.logCommits(wal, count: 3)
        wal.close()
        let segment = dir.path + "/" + WAL.segmentName(try wal.segments().last!)
        let whole = try Data(contentsOf: URL(fileURLWithPath: segment))
        try whole.dropLast(7).write(to: URL(fileURLWithPath: segment))
        let tail = WALTail(directory: dir.path, from: WALPosition(segment: 0, offset: 0))
        #expect(try Self.readAll(tail).map(\.0) == [1, 2])
        try whole.write(to: URL(fileURLWithPath: segment))
        #expect(try Self.readAll(tail).map(\.0) == [3])
    }

    @Test("a held segment and the checkpoint before it survive a checkpoint, and the series before a position can be rebuilt")
    func holdKeepsSegments() throws {
        let dir = TemporaryDirectory()
        let wal = try Self.openWAL(dir.path)
        defer { wal.close() }
        try Self.logCommits(wal, count: 100)
        // 1. A first checkpoint with no hold deletes what it covers.
        let first = try wal.cutSegment()
        try wal.checkpoint(upTo: first, records: [.series([(SeriesRef(1), Labels(["__name__": "m", "i": "1"]))])])
        #expect(try wal.segments().allSatisfy { $0 > first })
        // 2. A reader holds the segment after it; more commits, then a second checkpoint that
        // would cover the held segment.
        let held = first + 1
        wal.hold("reader", from: held)
        try Self.logCommits(wal, count: 100, firstRef: 101)
        let position = WALPosition(segment: held + 1, offset: 0)
        let second = try wal.cutSegment()
        try wal.checkpoint(upTo: second, records: [])
        #expect(try wal.segments().first == held, "segments from the held one on are kept")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/checkpoint." + WAL.segmentName(first)), "the checkpoint before the hold is kept")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/checkpoint." + WAL.segmentName(second)))
        // 3. The reader's series before its position: the kept checkpoint's, then the segments'.
        var refs = Set<SeriesRef>()
        try WALTail.series(before: position, in: dir.path) { entries in
            for (ref, _) in entries { refs.insert(ref) }
        }
        #expect(refs.contains(1) && refs.contains(101))
        // 4. Released, the next checkpoint deletes everything it covers.
        wal.releaseHold("reader")
        let third = try wal.cutSegment()
        try wal.checkpoint(upTo: third, records: [])
        #expect(try wal.segments().allSatisfy { $0 > third })
        #expect(try WALTail.checkpoints(in: dir.path).map(\.upTo) == [third])
    }

    @Test("a tail whose segment was deleted moves to the next one present and says so")
    func missingSegment() throws {
        let dir = TemporaryDirectory()
        let wal = try Self.openWAL(dir.path)
        defer { wal.close() }
        try Self.logCommits(wal, count: 100)
        let upTo = try wal.cutSegment()
        try wal.checkpoint(upTo: upTo, records: [])
        try Self.logCommits(wal, count: 5, firstRef: 101)
        let tail = WALTail(directory: dir.path, from: WALPosition(segment: 0, offset: 0))
        var gaps: [WALTail.Gap] = []
        var refs: [SeriesRef] = []
        while try tail.read(gap: { gaps.append($0) }, { entry in
            if case .samples(let samples) = entry.record { refs += samples.map(\.ref) }
            return true
        }) > 0 {}
        #expect(refs == (101...105).map { SeriesRef($0) })
        #expect(gaps == [.segmentMissing(from: 0, to: upTo + 1)])
    }

    @Test("the end position of a log is past its last whole record")
    func endPosition() throws {
        let dir = TemporaryDirectory()
        let wal = try Self.openWAL(dir.path)
        try Self.logCommits(wal, count: 10)
        wal.close()
        let end = try WALTail.end(of: dir.path)
        let tail = WALTail(directory: dir.path, from: end)
        #expect(try Self.readAll(tail).isEmpty)
        #expect(end.segment == (try wal.segments().last))
    }
}
