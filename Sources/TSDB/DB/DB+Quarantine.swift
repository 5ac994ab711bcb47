import Logging

extension DB {
    /// Where blocks that cannot be served are moved, inside the data directory.
    package static let quarantineDirectory = "corrupted"

    /// Opens one block of the directory. A block that fails its checks (`Block.init`) is logged with
    /// the reason and, by the writer, moved to `corrupted/` so the rest of the store is served and the
    /// block is kept for inspection; nil then. A block whose `meta.json` contradicts its index is
    /// served with the index's range and logged.
    static func openBlock(_ directory: String, access: Access, statistics: DBStatistics, logger: Logger) -> Block? {
        do {
            let block = try Block(directory: directory)
            if let problem = block.inconsistency {
                logger.error("block meta.json contradicts its index; serving the index's time range", metadata: [
                    "dir": "\(directory)", "problem": "\(problem)", "served_range": "\(block.minTime)…\(block.maxTime)",
                ])
            }
            return block
        } catch {
            guard access == .readWrite else {
                logger.error("cannot open block; not serving it", metadata: ["dir": "\(directory)", "error": "\(error)"])
                return nil
            }
            let parent = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
            let name = String(directory[(directory.lastIndex(of: "/").map { directory.index(after: $0) } ?? directory.startIndex)...])
            let target = parent + "/" + quarantineDirectory + "/" + name
            statistics.quarantinedBlocks.add(1, ordering: .relaxed)
            do {
                try FileIO.makeDirectory(parent + "/" + quarantineDirectory)
                if FileIO.exists(target) { try FileIO.removeTree(target) }
                try FileIO.rename(directory, target)
                try FileIO.syncDirectory(parent)
                logger.error("block is corrupt; moved it aside and serving the rest", metadata: [
                    "dir": "\(directory)", "moved_to": "\(target)", "error": "\(error)",
                ])
            } catch let moveError {
                logger.error("block is corrupt and could not be moved aside; not serving it", metadata: [
                    "dir": "\(directory)", "error": "\(error)", "move_error": "\(moveError)",
                ])
            }
            return nil
        }
    }
}
