import Synchronization

/// Bounds how many queries evaluate at once (`--query.max-concurrency`). The others wait in arrival
/// order until a slot frees or their deadline passes, which fails them with "timed out in query queue".
final class QueryGate: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var running = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot; false when `deadline` passed while waiting (no slot is then held).
    func acquire(deadline: ContinuousClock.Instant) async -> Bool {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return await withCheckedContinuation { continuation in
            // Admission and queueing under one lock, so a release in between cannot be missed.
            let admitted = state.withLock { state in
                if state.running < limit {
                    state.running += 1
                    return true
                }
                state.waiters.append(Waiter(id: id, continuation: continuation))
                return false
            }
            if admitted {
                continuation.resume(returning: true)
                return
            }
            // The waiter leaves the queue at its deadline unless a slot reached it first.
            Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                let expired = self.state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                expired?.continuation.resume(returning: false)
            }
        }
    }

    /// Frees a slot, handing it to the longest waiter if there is one.
    func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume(returning: true)
    }

    /// Queries evaluating and waiting now (for self-metrics and tests).
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiters.count) } }
}
