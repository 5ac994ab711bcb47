import Synchronization

/// What a scrape loop does with its series when it stops, as Prometheus decides it
/// (`scrape.go`'s end-of-run staleness):
/// - its target left discovery, or its job left the configuration: stale markers at once, so
///   queries stop returning the series;
/// - the server shuts down: nothing, so that after a restart the WAL replay and the next scrape
///   continue the series without a gap;
/// - a reload restarted its job: stale markers two intervals (at least 2 s) later, dated when the loop stopped.
///   If the new loop has scraped the target since, the store refuses them as out of order and the
///   series continue; if the target is gone, they end the series where the old loop stopped.
enum EndOfRun: UInt8, Sendable {
    case markStale, leaveSeries, markStaleLater
}

/// The end of run a pool chose for one loop, read by the loop once it is cancelled.
final class EndOfRunChoice: Sendable {
    private let value = Atomic<UInt8>(EndOfRun.markStale.rawValue)

    var current: EndOfRun { EndOfRun(rawValue: value.load(ordering: .acquiring)) ?? .markStale }

    func set(_ choice: EndOfRun) { value.store(choice.rawValue, ordering: .releasing) }
}

/// Deferred end-of-run stale markers, owned by the scrape manager: each runs after its delay
/// unless the manager shuts down first.
final class StalenessScheduler: Sendable {
    private let pending = Mutex<[Int: Task<Void, Never>]>([:])
    private let next = Atomic<Int>(0)

    /// Runs `work` after `delay`, unless `cancelAll` comes first.
    func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) {
        let id = next.wrappingAdd(1, ordering: .relaxed).oldValue
        let task = Task { [weak self] in
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            work()
            _ = self?.pending.withLock { $0.removeValue(forKey: id) }
        }
        pending.withLock { $0[id] = task }
    }

    /// Drops every deferred marking (the server is shutting down).
    func cancelAll() {
        let tasks = pending.withLock { pending in
            defer { pending = [:] }
            return Array(pending.values)
        }
        for task in tasks { task.cancel() }
    }

    var count: Int { pending.withLock { $0.count } }
}
