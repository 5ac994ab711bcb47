import Foundation
import TSDB

/// Whole store files from disk, mutated: a WAL segment replayed into a fresh store, and a block's
/// SQLite index opened and queried. Each run works in a scratch directory of this process.
enum StoreFileTargets {
    /// Per-process scratch space, in memory where the system has /dev/shm.
    static let scratch: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return base + "/toolbox-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
    }()

    static let walSegment = FuzzTarget(name: "wal-segment", summary: "a WAL segment replayed into a fresh store (repair, bounds), then read back",
                                       seeds: { [UntrustedDecoders.exampleSegment()] }) { bytes in
        _ = try? UntrustedDecoders.replaySegment(bytes, in: scratch + "/wal-store")
    }

    /// The template block, made once per process.
    static let blockTemplate: [UInt8] = (try? UntrustedDecoders.makeBlockTemplate(in: scratch + "/template")) ?? []

    static let blockIndex = FuzzTarget(name: "block-index", summary: "a block's SQLite index file, opened and queried (series, labels, matchers)",
                                       seeds: { [blockTemplate] }) { bytes in
        _ = blockTemplate
        _ = try? UntrustedDecoders.openBlock(index: bytes, template: scratch + "/template", scratch: scratch + "/block")
    }
}
