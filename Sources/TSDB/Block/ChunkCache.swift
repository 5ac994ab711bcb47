import Synchronization

/// Decompressed block chunks, kept so that the chunks queries keep coming back to (the newest of
/// every series, read by every instant query and dashboard refresh) skip zstd. Bounded in bytes;
/// the oldest entries leave first. Shared by all blocks of a process.
final class ChunkCache: Sendable {
    struct Key: Hashable {
        let block: ObjectIdentifier
        let file: Int
        let offset: Int64
    }

    private struct State {
        var entries: [Key: [UInt8]] = [:]
        var order: [Key] = []
        var head = 0
        var bytes = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    /// The process-wide cache (64 MiB: the newest chunk of some 10,000 series).
    static let shared = ChunkCache(capacity: 64 << 20)

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ key: Key) -> [UInt8]? {
        state.withLock { $0.entries[key] }
    }

    func put(_ key: Key, _ raw: [UInt8]) {
        guard raw.count <= capacity / 16 else { return }
        state.withLock { state in
            guard state.entries[key] == nil else { return }
            state.entries[key] = raw
            state.order.append(key)
            state.bytes += raw.count
            while state.bytes > capacity, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let evicted = state.entries.removeValue(forKey: oldest) { state.bytes -= evicted.count }
            }
            // Drop the consumed prefix of the queue now and then, not at every eviction.
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Forgets a block's chunks (when the block is deleted or rewritten).
    func remove(block: ObjectIdentifier) {
        state.withLock { state in
            for (key, raw) in state.entries where key.block == block {
                state.entries[key] = nil
                state.bytes -= raw.count
            }
        }
    }

    var usedBytes: Int { state.withLock { $0.bytes } }
}
