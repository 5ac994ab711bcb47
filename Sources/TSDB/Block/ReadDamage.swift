import MetricsModel
import Synchronization

/// Chunks one read could not decode (a flipped byte, a torn record), so a query answers from the
/// rest with a warning instead of failing for every series of the block.
package final class ReadDamage: Sendable {
    /// One unreadable chunk.
    struct Chunk: Hashable {
        let block: String
        let file: Int
        let offset: Int64
    }

    private let found = Mutex<[(chunk: Chunk, warning: String)]>([])
    /// Warnings kept per read; further damage is counted in the last one.
    private static let kept = 10

    /// Called with each chunk's warning the first time this read meets it.
    private let onNew: @Sendable (String) -> Void

    package init(onNew: @escaping @Sendable (String) -> Void = { _ in }) {
        self.onNew = onNew
    }

    /// Notes a chunk of `series` in `block` that failed to decode; returns whether it is new to this read.
    @discardableResult
    func record(block: Block, series: Labels, chunk: BlockWriter.ChunkRef, error: any Error) -> Bool {
        let key = Chunk(block: block.directory, file: chunk.file, offset: chunk.offset)
        let warning = "unreadable chunk in block \(block.meta.ulid) for series \(series) (samples \(chunk.minTime)…\(chunk.maxTime) left out): \(error)"
        let new = found.withLock { list in
            guard !list.contains(where: { $0.chunk == key }) else { return false }
            list.append((key, warning))
            return true
        }
        if new { onNew(warning) }
        return new
    }

    /// The warnings to show with the answer: one per chunk, the first few, then how many more.
    package var warnings: [String] {
        found.withLock { list in
            let shown = list.prefix(Self.kept).map(\.warning)
            return list.count > Self.kept ? shown + ["\(list.count - Self.kept) more unreadable chunks left out"] : shown
        }
    }

    /// Whether the read met no unreadable chunk.
    package var isEmpty: Bool { found.withLock { $0.isEmpty } }
}
