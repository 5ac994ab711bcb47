import Foundation
import Logging
import MetricsModel
import Synchronization
import Testing
import TestSupport

@testable import TSDB

/// Read isolation: a reader sees each commit whole or not at all, whatever it races against.
@Suite("Read isolation")
struct IsolationTests {
    static let seriesPerCommit = 40

    static func labels(_ index: Int) -> Labels { ["__name__": "scrape", "series": "s\(index)"] }

    /// Commits sample `t` (value `t`) to every series at once, as one scrape's commit does.
    static func commitScrape(_ db: DB, at t: Int64) throws {
        var appender = db.appender()
        for index in 0..<seriesPerCommit { try appender.append(labels(index), Sample(timestamp: t, value: Double(t))) }
        try appender.commit()
    }

    /// The newest timestamp of each series a read returned.
    static func newest(_ series: [(Labels, [Sample])]) -> Set<Int64> {
        Set(series.map { $0.1.last?.timestamp ?? -1 })
    }

    /// Runs blocking work on a Dispatch thread and waits for it without blocking the caller's.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// What the reading threads share.
    final class Race: Sendable {
        let done = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        /// Each read that saw part of a commit, described.
        let torn = Mutex<[String]>([])
    }

    @Test("selects racing multi-series commits see every series at the same commit")
    func selectsRacingCommits() async throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        try Self.commitScrape(db, at: 1)
        let commits: Int64 = 1_000
        let race = Race()
        let all = [try Matcher(.equal, "__name__", "scrape")]
        let firstHalf = all + [try Matcher(.regexMatch, "series", "s[0-9]")]
        let secondHalf = all + [try Matcher(.regexNoMatch, "series", "s[0-9]")]
        let readers = DispatchGroup()
        do {
            DispatchQueue.global().async(group: readers) {
                while !race.done.load(ordering: .acquiring) {
                    do {
                        // One select over every series, and two selects under one reader: both
                        // must show a single commit.
                        // The newest 50 commits only, so reads stay fast however many commits there are.
                        let from = db.head.maxTime - 50
                        let whole = try db.select(all, from: from, through: Int64.max)
                        let (first, second) = try db.withReader { reader in
                            (try reader.select(firstHalf, from: from, through: Int64.max),
                             try reader.select(secondHalf, from: from, through: Int64.max))
                        }
                        let seen = [Self.newest(whole), Self.newest(first).union(Self.newest(second))]
                        for newest in seen where newest.count != 1 {
                            race.torn.withLock { $0.append("newest samples differ across series: \(newest.sorted())") }
                        }
                        if whole.count != Self.seriesPerCommit { race.torn.withLock { $0.append("\(whole.count) series") } }
                    } catch {
                        race.torn.withLock { $0.append("\(error)") }
                    }
                    race.reads.add(1, ordering: .relaxed)
                    // A pause between reads leaves the suite's other tests CPU; the race stays.
                    usleep(300)
                }
            }
        }
        // Commit until readers have raced through enough reads (they may start late on a busy
        // machine), within a deadline. On a Dispatch thread: this blocks for seconds, and must not
        // hold one of the few threads the suite's async tests share.
        let finished = try await Self.blocking {
            let deadline = ContinuousClock.now + .seconds(30)
            var t: Int64 = 2
            while (t <= commits || race.reads.load(ordering: .relaxed) < 150) && ContinuousClock.now < deadline {
                try Self.commitScrape(db, at: t)
                t += 1
            }
            race.done.store(true, ordering: .releasing)
            return readers.wait(timeout: .now() + 60)
        }
        #expect(finished == .success)
        let problems = race.torn.withLock { $0 }
        #expect(problems.isEmpty, "\(problems.count) torn reads of \(race.reads.load(ordering: .relaxed)), first: \(problems.prefix(3))")
        #expect(race.reads.load(ordering: .relaxed) >= 150)
        #expect(db.head.isolation.openReaders == 0)
    }

    @Test("a reader keeps seeing the commits it opened on, however many follow, and later readers see them all")
    func readerPinsItsCommit() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        let all = [try Matcher(.equal, "__name__", "scrape")]
        try Self.commitScrape(db, at: 1)
        let early = db.reader()
        for t in Int64(2)...5 { try Self.commitScrape(db, at: t) }
        let middle = db.reader()
        try Self.commitScrape(db, at: 6)
        #expect(Self.newest(try early.select(all, from: 0, through: Int64.max)) == [1])
        #expect(Self.newest(try middle.select(all, from: 0, through: Int64.max)) == [5])
        early.close()
        try Self.commitScrape(db, at: 7)
        #expect(Self.newest(try middle.select(all, from: 0, through: Int64.max)) == [5])
        middle.close()
        #expect(Self.newest(try db.select(all, from: 0, through: Int64.max)) == [7])
        #expect(db.head.isolation.openReaders == 0)
    }

    @Test("out-of-order samples of a later commit are hidden from an earlier reader")
    func lateSamplesHidden() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.head.outOfOrderWindow = 60_000
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        let all = [try Matcher(.equal, "__name__", "scrape")]
        try Self.commitScrape(db, at: 10_000)
        let reader = db.reader()
        try Self.commitScrape(db, at: 5_000)
        #expect(try reader.select(all, from: 0, through: Int64.max).allSatisfy { $0.1.map(\.timestamp) == [10_000] })
        reader.close()
        #expect(try db.select(all, from: 0, through: Int64.max).allSatisfy { $0.1.map(\.timestamp) == [5_000, 10_000] })
    }

    @Test("a reader is closed when the body it was opened for throws")
    func readerClosedOnThrow() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        struct Failure: Error {}
        #expect(throws: Failure.self) { try db.withReader { _ in throw Failure() } }
        #expect(db.head.isolation.openReaders == 0)
    }
}
