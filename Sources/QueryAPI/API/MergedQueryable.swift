import MetricsModel
import PromQL
import Synchronization

/// The secondary sources (remote read) queries read besides the store, and where the store's
/// own data begins.
package struct SecondaryReads: Sendable {
    let storage: any SecondaryStorage
    /// The store's oldest timestamp as remote read's `read_recent: false` counts it.
    let localStart: @Sendable () -> Int64

    package init(storage: any SecondaryStorage, localStart: @escaping @Sendable () -> Int64) {
        self.storage = storage
        self.localStart = localStart
    }
}

/// Warnings the sources raised during one request, shown in the answer's `warnings`.
final class StorageWarnings: Sendable {
    private let texts = Mutex<[String]>([])

    func add(_ warnings: [String]) {
        guard !warnings.isEmpty else { return }
        texts.withLock { texts in
            for warning in warnings where !texts.contains(warning) { texts.append(warning) }
        }
    }

    var all: [String] { texts.withLock { $0 } }
}

/// The sources' answers of one query, by selection (the last few: a query reads a selection's
/// floats and histograms one after the other).
final class SecondaryAnswers: Sendable {
    struct Key: Hashable {
        var matchers: [String]
        var mint: Int64
        var maxt: Int64
    }

    private static let kept = 4
    private let answers = Mutex<[(key: Key, selection: SecondarySelection?)]>([])

    /// `.some(nil)` when the sources were not asked for this selection; nil when it is not known.
    func answer(for key: Key) -> SecondarySelection?? {
        answers.withLock { list in list.first { $0.key == key }.map(\.selection) }
    }

    func keep(_ selection: SecondarySelection?, for key: Key) {
        answers.withLock { list in
            list.append((key, selection))
            if list.count > Self.kept { list.removeFirst() }
        }
    }
}

/// The store with the secondary sources' series merged in: a series both have is one series, its
/// samples merged by timestamp (the local sample wins a tie). A selection no source is asked for
/// reads the store alone, streaming as it does without sources.
package struct MergedQueryable<Local: Queryable>: Queryable {
    let local: Local
    let reads: SecondaryReads
    /// Where the sources' warnings go; nil drops them (rule evaluation has no answer to show them in).
    let warnings: StorageWarnings?
    /// The query's deadline, which no source is waited for past.
    let deadline: ContinuousClock.Instant?
    /// The sources' answers so far: the engine reads a selection's floats and histograms apart, and
    /// the sources are asked once for both.
    let answers = SecondaryAnswers()

    init(local: Local, reads: SecondaryReads, warnings: StorageWarnings?, deadline: ContinuousClock.Instant?) {
        self.local = local
        self.reads = reads
        self.warnings = warnings
        self.deadline = deadline
    }

    /// For rule evaluation: the sources' failures are counted in their metrics, not reported, and
    /// each read is bounded by its endpoint's `remote_timeout`.
    package init(local: Local, reads: SecondaryReads) {
        self.init(local: local, reads: reads, warnings: nil, deadline: nil)
    }

    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        guard let remote = secondary(matchers, mint, maxt) else { return try local.select(matchers, from: mint, through: maxt) }
        return Self.merge(try local.select(matchers, from: mint, through: maxt), remote)
    }

    package func startTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? {
        local.startTimestamps(of: labels, from: mint, through: maxt)
    }

    package func histogramStartTimestamps(of labels: Labels, from mint: Int64, through maxt: Int64) -> [Int64]? {
        local.histogramStartTimestamps(of: labels, from: mint, through: maxt)
    }

    package func mapSeries<T>(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, _ transform: (Labels, [Sample]) throws -> T?) throws -> [T] {
        guard let remote = secondary(matchers, mint, maxt) else { return try local.mapSeries(matchers, from: mint, through: maxt, transform) }
        let series = Self.merge(try local.select(matchers, from: mint, through: maxt), remote)
        return try ParallelWork.map(series, cost: series.reduce(0) { $0 + $1.1.count }) { try transform($0.0, $0.1) }.compactMap { $0 }
    }

    package func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])] {
        let own = try local.selectHistograms(matchers, from: mint, through: maxt)
        guard let remote = selection(matchers, mint, maxt)?.histograms, !remote.isEmpty else { return own }
        var merged = Dictionary(own, uniquingKeysWith: { first, _ in first })
        for (labels, samples) in remote {
            merged[labels] = merged[labels].map { HistogramSample.merge($0, samples) } ?? samples
        }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The sources' float series for a selection, or nil when none is asked.
    private func secondary(_ matchers: [Matcher], _ mint: Int64, _ maxt: Int64) -> [(Labels, [Sample])]? {
        selection(matchers, mint, maxt)?.series
    }

    /// The sources' answer for a selection (their warnings noted once), or nil when none is asked.
    private func selection(_ matchers: [Matcher], _ mint: Int64, _ maxt: Int64) -> SecondarySelection? {
        let key = SecondaryAnswers.Key(matchers: matchers.map { "\($0)" }, mint: mint, maxt: maxt)
        if let known = answers.answer(for: key) { return known }
        let selection = reads.storage.select(matchers, from: mint, through: maxt, localStart: reads.localStart(), deadline: deadline)
        if let selection { warnings?.add(selection.warnings) }
        answers.keep(selection, for: key)
        return selection
    }

    /// Two label-sorted series lists as one.
    static func merge(_ local: [(Labels, [Sample])], _ remote: [(Labels, [Sample])]) -> [(Labels, [Sample])] {
        guard !remote.isEmpty else { return local }
        guard !local.isEmpty else { return remote }
        var out: [(Labels, [Sample])] = []
        out.reserveCapacity(local.count + remote.count)
        var i = 0
        var j = 0
        while i < local.count || j < remote.count {
            if j == remote.count || (i < local.count && local[i].0 < remote[j].0) {
                out.append(local[i])
                i += 1
            } else if i == local.count || remote[j].0 < local[i].0 {
                out.append(remote[j])
                j += 1
            } else {
                out.append((local[i].0, Sample.merge(local[i].1, remote[j].1)))
                i += 1
                j += 1
            }
        }
        return out
    }
}
