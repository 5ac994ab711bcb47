import Synchronization

/// Read isolation for the head, after Prometheus's append ids and low watermark: every commit is
/// numbered as it is applied, a reader fixes the newest commit it may see when it opens, and series
/// remember which of their recent samples came from which commit, so a reader skips samples of
/// commits newer than its own. A query therefore sees each commit whole or not at all, even though
/// a commit is applied series by series.
///
/// Commits are applied one at a time (under the head's commit lock), so at any moment at most one
/// commit is being applied and every lower id is complete. Series keep commit ids only while some
/// open reader might not see them: ids at or below the low watermark (the oldest open reader's
/// view, or the newest commit when none is open) are visible to every reader there is or will be.
final class Isolation: Sendable {
    private struct State {
        var lastCommitted: UInt64 = 0
        var nextReader: UInt64 = 0
        /// Open readers and the newest commit each may see.
        var readers: [UInt64: UInt64] = [:]

        var lowWatermark: UInt64 { readers.values.min() ?? lastCommitted }
    }

    private let state = Mutex(State())
    private let lowWatermarkValue = Atomic<UInt64>(0)

    /// The newest commit id every open and future reader sees.
    var lowWatermark: UInt64 { lowWatermarkValue.load(ordering: .acquiring) }

    /// The id of the commit about to be applied. Call under the commit lock, then `commitApplied`.
    func nextCommit() -> UInt64 {
        state.withLock { $0.lastCommitted + 1 }
    }

    /// Makes commit `id` visible to readers opened from now on.
    func commitApplied(_ id: UInt64) {
        state.withLock { state in
            state.lastCommitted = id
            lowWatermarkValue.store(state.lowWatermark, ordering: .releasing)
        }
    }

    /// Opens a reader: it sees every commit applied so far and none after. Close it when done.
    func openReader() -> ReadView {
        state.withLock { state in
            state.nextReader += 1
            state.readers[state.nextReader] = state.lastCommitted
            lowWatermarkValue.store(state.lowWatermark, ordering: .releasing)
            return ReadView(reader: state.nextReader, visible: state.lastCommitted)
        }
    }

    func closeReader(_ view: ReadView) {
        state.withLock { state in
            state.readers[view.reader] = nil
            lowWatermarkValue.store(state.lowWatermark, ordering: .releasing)
        }
    }

    /// How many readers are open (for tests).
    var openReaders: Int { state.withLock { $0.readers.count } }
}

/// What one reader may see: commits up to `visible`.
struct ReadView: Sendable {
    let reader: UInt64
    let visible: UInt64

    /// A view that sees everything applied, for single-threaded use (replay, tools, compaction of
    /// data no commit is still writing).
    static let everything = ReadView(reader: 0, visible: UInt64.max)
}

/// The commits a series' recent samples came from, kept until every reader sees them.
///
/// The newest commit is held inline, so a series written once per scrape allocates nothing; older
/// ones spill into `older` only while a reader that cannot see them is open.
struct CommitLog {
    /// Commit id and the timestamp of the first in-order sample it appended (ids ascending, and
    /// so timestamps too, since in-order samples only move forward). Id 0: none.
    private var newest: (id: UInt64, firstTime: Int64) = (0, 0)
    private var older: [(id: UInt64, firstTime: Int64)] = []
    /// Out-of-order samples by the commit that inserted them, until every reader sees them.
    private var late: [(id: UInt64, timestamp: Int64)] = []

    /// Records that commit `id` appends an in-order sample at `timestamp`; forgets what every reader
    /// sees (ids up to `lowWatermark`).
    mutating func noteInOrder(id: UInt64, timestamp: Int64, lowWatermark: UInt64) {
        if newest.id == id { return }
        if !older.isEmpty { older.removeAll { $0.id <= lowWatermark } }
        if newest.id > lowWatermark { older.append(newest) }
        newest = (id, timestamp)
    }

    mutating func noteLate(id: UInt64, timestamp: Int64, lowWatermark: UInt64) {
        if !late.isEmpty { late.removeAll { $0.id <= lowWatermark } }
        late.append((id, timestamp))
    }

    /// The first in-order timestamp `view` may not see (Int64.max: it sees them all).
    func firstHidden(from view: ReadView) -> Int64 {
        if newest.id <= view.visible { return Int64.max }
        for entry in older where entry.id > view.visible { return entry.firstTime }
        return newest.firstTime
    }

    /// The out-of-order timestamps `view` may not see.
    func hiddenLate(from view: ReadView) -> Set<Int64> {
        guard !late.isEmpty else { return [] }
        return Set(late.lazy.filter { $0.id > view.visible }.map(\.timestamp))
    }
}
