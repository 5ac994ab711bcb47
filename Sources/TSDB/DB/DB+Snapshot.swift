#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DB {
    /// Writes a copy of the store into `directory` that a new metricsd can open as its data
    /// directory: every block hard-linked (no data copied), and with `includeHead` the head's samples
    /// as one more block. Compaction waits meanwhile, so no block vanishes half-linked.
    package func snapshot(to directory: String, includeHead: Bool) throws {
        try maintenance.withLock { _ in
            try FileIO.makeDirectory(directory)
            for block in blocks {
                let name = block.directory.split(separator: "/").last.map(String.init) ?? block.meta.ulid
                try FileIO.linkTree(block.directory, to: directory + "/" + name)
            }
            guard includeHead, head.minTime != Int64.max else { return }
            let series = head.select([], from: head.minTime, through: head.maxTime)
            let histograms = Dictionary(uniqueKeysWithValues: head.selectHistograms([], from: head.minTime, through: head.maxTime))
            guard !series.isEmpty || !histograms.isEmpty else { return }
            var writer = try BlockWriter(parent: directory, minTime: head.minTime, maxTime: head.maxTime + 1, encoding: options.encoding)
            do {
                for (labels, samples) in series { try writer.add(labels, samples, histograms: histograms[labels] ?? []) }
                let floatSeries = Set(series.map(\.0))
                for (labels, samples) in histograms where !floatSeries.contains(labels) {
                    try writer.add(labels, [], histograms: samples)
                }
                _ = try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
        }
    }
}

extension FileIO {
    /// Recreates `source`'s directory tree at `target` with hard links to its files.
    static func linkTree(_ source: String, to target: String) throws(StorageError) {
        try makeDirectory(target)
        for name in try list(source) {
            let from = source + "/" + name
            let to = target + "/" + name
            if isDirectory(from) {
                try linkTree(from, to: to)
            } else if link(from, to) != 0 {
                throw StorageError.io("link \(from)", errno)
            }
        }
    }
}
