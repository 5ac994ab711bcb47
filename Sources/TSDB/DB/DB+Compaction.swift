import Logging
import MetricsModel

extension DB {
    /// One round of upkeep: persist what the head has ready, merge blocks, apply retention.
    /// Errors are logged and counted, never fatal: the head keeps its data and the next round retries.
    package func runMaintenance() {
        guard access == .readWrite else { return }
        maintenance.withLock { _ in
            do {
                while try compactHeadOnce() {}
                while try compactBlocksOnce() {}
                try applyRetention()
            } catch {
                statistics.compactionFailures.add(1, ordering: .relaxed)
                logger.error("storage maintenance failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Writes the head's oldest complete block range to a block when the head spans more than
    /// 1.5 ranges (so late scrapes for the range have arrived), then truncates head and WAL.
    /// Returns whether it wrote a block.
    @discardableResult
    func compactHeadOnce(force: Bool = false) throws -> Bool {
        let range = options.head.chunkRange
        let minTime = head.minTime
        let maxTime = head.maxTime
        guard minTime != Int64.max, maxTime != Int64.min else { return false }
        let start = minTime.windowStart(range)
        let end = minTime.windowEnd(range)
        guard force || maxTime.saturatingSubtract(start) > range * 3 / 2 else { return false }
        guard !force || maxTime >= start else { return false }
        let began = ContinuousClock.now
        defer {
            // Prometheus counts writing the head's range as a compaction too.
            let seconds = (ContinuousClock.now - began).seconds
            statistics.headCompactionSeconds.observe(seconds)
            statistics.compactionSeconds.observe(seconds)
        }
        var writer = try BlockWriter(parent: path, minTime: start, maxTime: end, encoding: options.encoding)
        do {
            var batch: [(Labels, [Sample], [HistogramSample])] = []
            head.forEachSeries { series in
                let samples = series.samples(from: start, through: end - 1)
                let histograms = series.histograms?.samples(from: start, through: end - 1) ?? []
                if !samples.isEmpty || !histograms.isEmpty { batch.append((series.labels, samples, histograms)) }
            }
            for (labels, samples, histograms) in batch { try writer.add(labels, samples, histograms: histograms) }
            let (directory, meta) = try writer.finish()
            let block = try Block(directory: directory)
            replaceBlocks(removing: [], adding: [block])
            logger.info("head compacted to block", metadata: [
                "block": "\(meta.ulid)", "series": "\(meta.stats.numSeries)", "samples": "\(meta.stats.numSamples)",
                "min_time": "\(meta.minTime)", "max_time": "\(meta.maxTime)",
            ])
        } catch {
            writer.abandon()
            throw error
        }
        head.truncate(before: end)
        try head.checkpointWAL()
        statistics.compactions.add(1, ordering: .relaxed)
        return true
    }

    /// Persists everything in the head as blocks regardless of age (used by shutdown-less tools
    /// such as import, and by tests).
    func flushHead() throws {
        try maintenance.withLock { _ in
            while head.minTime != Int64.max, try compactHeadOnce(force: true) {}
        }
    }

    /// Merges blocks of one level into the next: for each range above the smallest, a window
    /// holding more than one block, entirely older than the head, becomes one block.
    func compactBlocksOnce() throws -> Bool {
        let ranges = options.blockRanges
        let headStart = head.minTime
        for range in ranges.dropFirst() {
            var windows: [Int64: [Block]] = [:]
            for block in blocks where block.maxTime.saturatingSubtract(block.minTime) < range {
                let window = block.minTime.windowStart(range)
                // A block straddling the window's end stays where it is.
                guard block.maxTime <= block.minTime.windowEnd(range) else { continue }
                windows[window, default: []].append(block)
            }
            for (window, members) in windows.sorted(by: { $0.key < $1.key }) where members.count > 1 {
                let end = window.saturatingAdd(range)
                guard headStart == Int64.max || headStart >= end else { continue }
                try merge(members, minTime: members.map(\.minTime).min()!, maxTime: members.map(\.maxTime).max()!)
                return true
            }
        }
        return false
    }

    /// Writes `members` as one block and deletes them.
    func merge(_ members: [Block], minTime: Int64, maxTime: Int64, level fixedLevel: Int? = nil) throws {
        let level = fixedLevel ?? (members.map(\.meta.compaction.level).max() ?? 1) + 1
        let sources = members.flatMap(\.meta.compaction.sources)
        let began = ContinuousClock.now
        defer { statistics.compactionSeconds.observe((ContinuousClock.now - began).seconds) }
        var writer = try BlockWriter(parent: path, minTime: minTime, maxTime: maxTime, level: level, sources: sources, encoding: options.encoding)
        do {
            try SeriesMerger.merge(members.sorted { $0.minTime < $1.minTime }, from: minTime, through: maxTime - 1) { labels, samples, histograms in
                try writer.add(labels, samples, histograms: histograms)
            }
            let (directory, meta) = try writer.finish()
            let block = try Block(directory: directory)
            replaceBlocks(removing: members, adding: [block])
            for member in members { try FileIO.removeTree(member.directory) }
            logger.info("blocks compacted", metadata: ["block": "\(meta.ulid)", "level": "\(level)", "sources": "\(members.count)"])
        } catch {
            writer.abandon()
            throw error
        }
        statistics.compactions.add(1, ordering: .relaxed)
    }

    /// Deletes the samples of series matching `matchers` in `mint...maxt`: the head's at once
    /// (logged to the WAL as tombstones), the blocks' through tombstone files until
    /// `cleanTombstones` rewrites them. Returns how many series had data deleted.
    @discardableResult
    package func delete(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> Int {
        try maintenance.withLock { _ in
            var affected = 0
            for block in blocks { affected += try block.delete(matchers, from: mint, through: maxt) }
            var entries: [(ref: SeriesRef, mint: Int64, maxt: Int64)] = []
            try head.commitLock.withLock { _ in
                head.forEachSeries { series in
                    if series.labels.matches(matchers) && series.maxTime >= mint && series.minTime <= maxt {
                        entries.append((series.ref, mint, maxt))
                    }
                }
                if !entries.isEmpty { try head.wal?.log([.tombstones(entries)]) }
                for entry in entries {
                    if let series = head.series(ref: entry.ref) {
                        head.shard(for: series.labels).state.withLock { _ in
                            series.delete(from: mint, through: maxt, chunkRange: options.head.chunkRange)
                        }
                    }
                }
            }
            return affected + entries.count
        }
    }

    /// Rewrites every block that has tombstones without the deleted samples.
    package func cleanTombstones() throws {
        try maintenance.withLock { _ in
            for block in blocks where !block.tombstones.withLock({ $0.isEmpty }) {
                try merge([block], minTime: block.minTime, maxTime: block.maxTime, level: block.meta.compaction.level)
            }
        }
    }

    /// Deletes blocks past the retention time, then the oldest blocks while the store (blocks and
    /// WAL) exceeds the retention size. The newest block is never deleted.
    ///
    /// Time is measured back from the newest sample, as in Prometheus, but never from later than the
    /// clock: a block planted in the future (an import, or data from before sample bounds existed)
    /// cannot make every current block look expired.
    func applyRetention() throws {
        var newest = max(head.maxTime, blocks.map { $0.maxTime - 1 }.max() ?? Int64.min)
        guard newest != Int64.min else { return }
        if let clock = options.head.clock { newest = min(newest, clock.now()) }
        let candidates = blocks.sorted { $0.maxTime < $1.maxTime }.dropLast()
        let cutoff = newest.saturatingSubtract(options.retentionTime)
        var expired = candidates.filter { $0.maxTime <= cutoff }
        if options.retentionSize > 0 {
            var total = sizeOnDisk - expired.reduce(0) { $0 + $1.sizeOnDisk }
            for block in candidates.sorted(by: { $0.minTime < $1.minTime }) where !expired.contains(where: { $0.directory == block.directory }) {
                guard total > options.retentionSize else { break }
                expired.append(block)
                total -= block.sizeOnDisk
            }
        }
        guard !expired.isEmpty else { return }
        replaceBlocks(removing: Array(expired), adding: [])
        for block in expired {
            try FileIO.removeTree(block.directory)
            logger.info("block deleted by retention", metadata: ["block": "\(block.meta.ulid)", "max_time": "\(block.maxTime)"])
        }
        statistics.blocksDeletedByRetention.add(UInt64(expired.count), ordering: .relaxed)
    }
}
