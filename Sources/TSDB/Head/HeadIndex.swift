import MetricsModel
import Synchronization

/// The head's postings: label name → value → the references of the series that carry it, each list
/// sorted. The head resolves matchers through it as blocks resolve them through their SQLite
/// postings (and Prometheus through `MemPostings`), so a query touches only the series it selects
/// instead of running every matcher on every series under the shard locks.
final class HeadIndex: Sendable {
    private let postings = Mutex<[String: [String: [SeriesRef]]]>([:])

    /// Adds a new series. References come in increasing order, except during WAL replay, which
    /// inserts in place.
    func add(_ ref: SeriesRef, _ labels: Labels) {
        postings.withLock { postings in
            // Mutated in place through the subscripts: taking the inner dictionary out would copy
            // it (for `instance`, one entry per target) on every new series.
            for label in labels { postings[label.name, default: [:]][label.value, default: []].insertSorted(ref) }
        }
    }

    /// Drops series that left the head.
    func remove(_ removed: [(ref: SeriesRef, labels: Labels)]) {
        guard !removed.isEmpty else { return }
        postings.withLock { postings in
            for (ref, labels) in removed {
                for label in labels {
                    guard let index = postings[label.name]?[label.value]?.sortedIndex(of: ref) else { continue }
                    postings[label.name]![label.value]!.remove(at: index)
                    if postings[label.name]![label.value]!.isEmpty { postings[label.name]![label.value] = nil }
                    if postings[label.name]!.isEmpty { postings[label.name] = nil }
                }
            }
        }
    }

    /// The references that can satisfy `matchers`, sorted: the intersection of the postings of
    /// every matcher that needs its label present. Nil when no matcher narrows the set (each
    /// matches the empty value): then every series is a candidate. The caller still checks each
    /// candidate against all matchers.
    func candidates(_ matchers: [Matcher]) -> [SeriesRef]? {
        postings.withLock { postings in
            var result: [SeriesRef]?
            for matcher in matchers where !matcher.matchesEmpty {
                let values = postings[matcher.name] ?? [:]
                let list: [SeriesRef]
                if matcher.type == .equal {
                    list = values[matcher.value] ?? []
                } else {
                    list = Postings.union(values.compactMap { matcher.matches($0.key) ? $0.value : nil })
                }
                result = result.map { Postings.intersect($0, list) } ?? list
                if result?.isEmpty == true { return [] }
            }
            return result
        }
    }

    /// Every label name in the head, unsorted.
    var names: [String] { postings.withLock { Array($0.keys) } }

    /// Every value of label `name` in the head, unsorted.
    func values(_ name: String) -> [String] { postings.withLock { $0[name].map { Array($0.keys) } ?? [] } }
}

extension Array where Element == SeriesRef {
    /// Inserts `ref` keeping the array sorted and free of duplicates (appending in the usual case).
    mutating func insertSorted(_ ref: SeriesRef) {
        if let last, last < ref {
            append(ref)
            return
        }
        let index = partitionIndex { $0 >= ref }
        if index < count && self[index] == ref { return }
        insert(ref, at: index)
    }

    /// Where `ref` is, if present.
    func sortedIndex(of ref: SeriesRef) -> Int? {
        let index = partitionIndex { $0 >= ref }
        return index < count && self[index] == ref ? index : nil
    }
}
