import MetricsModel
import Synchronization

/// The latest health of every target, written by scrape loops and read by the API.
public final class TargetStatusBoard: Sendable {
    public struct Entry: Sendable {
        public var target: Target
        public var scrapePool: String
        public var health: String
        public var lastError: String
        /// Milliseconds since the epoch, 0 before the first scrape.
        public var lastScrape: Int64
        public var lastScrapeDuration: Double
    }

    private struct State {
        var entries: [Labels: Entry] = [:]
        var dropped: [(pool: String, labels: Labels)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Replaces the set of known targets (after a config load), keeping the health of those that stay.
    public func reset(active: [(pool: String, target: Target)], dropped: [(pool: String, labels: Labels)]) {
        state.withLock { state in
            var next: [Labels: Entry] = [:]
            for (pool, target) in active {
                next[target.labels] = state.entries[target.labels]
                    ?? Entry(target: target, scrapePool: pool, health: "unknown", lastError: "", lastScrape: 0, lastScrapeDuration: 0)
            }
            state.entries = next
            state.dropped = dropped
        }
    }

    func record(_ target: Target, lastScrape: Int64, duration: Double, error: String?) {
        state.withLock { state in
            guard var entry = state.entries[target.labels] else { return }
            entry.health = error == nil ? "up" : "down"
            entry.lastError = error ?? ""
            entry.lastScrape = lastScrape
            entry.lastScrapeDuration = duration
            state.entries[target.labels] = entry
        }
    }

    /// Active targets sorted by pool then labels, and the dropped ones.
    public func snapshot() -> (active: [Entry], dropped: [(pool: String, labels: Labels)]) {
        state.withLock { state in
            (state.entries.values.sorted { ($0.scrapePool, $0.target.labels) < ($1.scrapePool, $1.target.labels) }, state.dropped)
        }
    }
}
