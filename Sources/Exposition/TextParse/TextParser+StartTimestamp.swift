import MetricsModel

// OpenMetrics 1.0 carries a counter's, summary's or histogram's start time on a separate
// `<family>_created` line, anywhere in the family and possibly after the series it belongs to.
// Prometheus finds it by peeking ahead from each series. Peeking from every series is quadratic in
// the family's size, so this parser scans a run of series once, indexes its `_created` lines, and
// answers each series from the index with the same result Prometheus's peek gives:
// the first `_created` line after the series decides; it counts only if its labels (ignoring
// `__name__`, and `le`/`quantile` for histograms/summaries) are the series' labels.
extension TextParser {
    struct CreatedIndex {
        struct Entry {
            var offset: Int
            var hash: UInt64
            var milliseconds: Int64
        }
        var entries: [Entry] = []
        /// Where the indexed run of series ends (the next non-series entry or error).
        var end: Int
    }

    /// The start timestamp of the current series in milliseconds, or 0 when there is none.
    /// Only OpenMetrics counters, summaries and histograms have one.
    package mutating func startTimestamp() -> Int64 {
        guard strict, currentType.carriesCreated else { return 0 }
        let hash = familyLabelHash(labelRanges)
        if let cache = startTimestampCache, cache.hash == hash, cache.family == currentTypeName {
            return cache.value
        }
        if createdIndex == nil || entryStart >= createdIndex!.end {
            createdIndex = buildCreatedIndex()
        }
        var result: Int64 = 0
        if let index = createdIndex, let next = index.entries.first(where: { $0.offset > entryStart }), next.hash == hash {
            result = next.milliseconds
        }
        startTimestampCache = (currentTypeName, hash, result)
        return result
    }

    /// Reads ahead from the current entry to the end of the run of series, recording `_created` lines.
    private func buildCreatedIndex() -> CreatedIndex {
        var peek = self
        peek.createdIndex = nil
        var index = CreatedIndex(end: bytes.count)
        while true {
            let entry: ExpositionEntry?
            do {
                entry = try peek.nextEntry()
            } catch {
                index.end = peek.entryStart
                return index
            }
            guard entry == .series else {
                index.end = peek.entryStart
                return index
            }
            if peek.isCreatedSeries {
                let seconds = peek.value
                let milliseconds = seconds.isFinite && abs(seconds) < 9.2e15 ? Int64(seconds * 1000) : 0
                index.entries.append(.init(offset: peek.entryStart, hash: peek.familyLabelHash(peek.labelRanges), milliseconds: milliseconds))
            }
        }
    }

    /// An order-independent hash of the labels that identify a series within its family.
    func familyLabelHash(_ ranges: [LabelRange]) -> UInt64 {
        var sum: UInt64 = 0
        for range in ranges {
            let name = bytes[range.name]
            if currentType == .histogram && name.elementsEqual("le".utf8) { continue }
            if currentType == .summary && name.elementsEqual("quantile".utf8) { continue }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in name { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            h = (h ^ 0xff) &* 0x0000_0100_0000_01b3
            for b in bytes[range.value] { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            // Summing per-pair hashes makes the result independent of label order.
            sum = sum &+ (h ^ (h >> 29)) &* 0xbf58_476d_1ce4_e5b9
        }
        return sum
    }
}
