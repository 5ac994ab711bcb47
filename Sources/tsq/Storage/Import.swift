import ArgumentParser
import Exposition
import Foundation
import MetricsModel
import Scraper
import TSDB

/// `tsq import`: backfills an OpenMetrics file with timestamps straight into blocks, as
/// `promtool tsdb create-blocks-from openmetrics` does; or a file of the protobuf exposition format
/// (delimited `MetricFamily` messages with `timestamp_ms` on every metric), the one notation that
/// carries native histograms.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write blocks from an OpenMetrics file with timestamps (promtool's backfill format), or from protobuf exposition messages.")

    @Argument(help: "OpenMetrics text with a timestamp on every sample, ending in # EOF; or, with --format protobuf, delimited MetricFamily messages.")
    var file: String

    @Option(help: "openmetrics (default) or protobuf.")
    var format = "openmetrics"

    @Option(name: .customLong("data-dir"), help: "The storage directory (metricsd's --storage.tsdb.path); must not be in use.")
    var dataDirectory: String

    @Option(name: .customLong("max-block-duration"), help: "Largest block to write (Prometheus duration, a multiple of 2h).")
    var maxBlockDuration = "24h"

    func run() throws {
        guard let duration = PromDuration(parsing: maxBlockDuration), duration.milliseconds > 0,
              duration.milliseconds % (2 * 3_600_000) == 0 else {
            throw ValidationError("--max-block-duration must be a multiple of 2h, got \(maxBlockDuration)")
        }
        let clock = ContinuousClock()
        var importer = Importer(range: duration.milliseconds)
        guard format == "openmetrics" || format == "protobuf" else { throw ValidationError("--format must be openmetrics or protobuf, got \(format)") }
        let readTime = try clock.measure {
            if format == "protobuf" { try importer.readProtobuf(path: file) } else { try importer.read(path: file) }
        }
        let writeTime = try clock.measure { try importer.writeBlocks(into: dataDirectory) }
        print("imported \(importer.samples) samples of \(importer.series.count) series into \(importer.blocksWritten) block(s) in \(dataDirectory)")
        print("read+parse \(readTime), write blocks \(writeTime)")
        if importer.rejected > 0 { print("skipped \(importer.rejected) samples out of order or without a timestamp") }
        if importer.tooNew > 0 { print("skipped \(importer.tooNew) samples dated more than 10 minutes ahead of now") }
    }
}

/// Streams a file in pieces cut at line ends, keeping each series' samples XOR-compressed per block
/// range until all are read, then writes one block per range.
struct Importer {
    /// One series' compressed samples per block range. A class, so appends mutate in place
    /// instead of copying the chunk bytes out of and back into a dictionary.
    final class SeriesBuffer {
        let labels: Labels
        let key: [UInt8]
        /// Finished chunks per block range start.
        var ranges: [Int64: [XORChunk]] = [:]
        /// The chunk being appended to and its range.
        var currentStart = Int64.min
        var current = XORAppender()
        /// Native histogram samples per block range start, in time order.
        var histograms: [Int64: [HistogramSample]] = [:]
        var newestHistogram = Int64.min

        init(labels: Labels, key: [UInt8]) {
            self.labels = labels
            self.key = key
        }

        func append(_ timestamp: Int64, _ value: Double, range: Int64) throws {
            let start = timestamp.windowStart(range)
            if start != currentStart || current.count >= 60_000 {
                flush()
                currentStart = start
            }
            try current.append(timestamp, value)
        }

        func flush() {
            guard current.count > 0 else { return }
            ranges[currentStart, default: []].append(current.chunk())
            current = XORAppender()
        }
    }

    let range: Int64
    var series: [SeriesBuffer] = []
    /// Series by a hash of their raw bytes in the file; collisions are resolved by comparing bytes.
    private var byHash: [UInt64: [Int]] = [:]
    private var last: Int = -1
    var samples = 0
    var rejected = 0
    /// Samples dated after `latest`, refused so that no block lands in the future.
    var tooNew = 0
    var blocksWritten = 0
    /// The newest sample timestamp seen per block range start: a block's maxTime is what its
    /// samples cover, not the end of its range (a block reaching into the future would hold the
    /// head's later samples too, as far as readers of block ranges can tell).
    private var newestByRange: [Int64: Int64] = [:]
    /// The newest timestamp accepted: 10 minutes ahead of the wall clock, as metricsd's own bound.
    let latest: Int64

    init(range: Int64, latest: Int64 = Timestamps.now().saturatingAdd(10 * 60_000)) {
        self.range = range
        self.latest = latest
    }

    mutating func read(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot open \(path)") }
        defer { try? handle.close() }
        var carry: [UInt8] = []
        var previous: TextParser?
        var sawEOF = false
        while true {
            let data = try handle.read(upToCount: 64 << 20) ?? Data()
            if data.isEmpty && carry.isEmpty { break }
            var piece = carry
            piece.append(contentsOf: data)
            carry = []
            if !data.isEmpty, let lastNewline = piece.lastIndex(of: 0x0a) {
                carry = Array(piece[(lastNewline + 1)...])
                piece.removeSubrange((lastNewline + 1)...)
            } else if !data.isEmpty {
                carry = piece
                continue
            }
            var parser = TextParser(bytes: piece, format: .openMetrics, options: .init(partial: true))
            if let previous { parser.continueAfter(previous) }
            do {
                while let entry = try parser.next() {
                    guard entry == .series else { continue }
                    add(&parser)
                }
            } catch {
                throw ValidationError("\(path): \(error)")
            }
            previous = parser
            if parser.sawEOFMarker {
                sawEOF = true
                break
            }
            if data.isEmpty { break }
        }
        if !sawEOF { print("warning: \(path) does not end with # EOF; imported what was read") }
    }

    private mutating func add(_ parser: inout TextParser) {
        guard let timestamp = parser.timestamp else {
            rejected += 1
            return
        }
        guard timestamp <= latest else {
            tooNew += 1
            return
        }
        let id = seriesID(parser.seriesBytes) { parser.labels() }
        do {
            try series[id].append(timestamp, parser.value, range: range)
            noteSample(at: timestamp)
        } catch {
            rejected += 1
        }
    }

    private mutating func noteSample(at timestamp: Int64) {
        samples += 1
        let start = timestamp.windowStart(range)
        newestByRange[start] = max(newestByRange[start] ?? Int64.min, timestamp)
    }

    /// Reads a protobuf exposition file whole: each metric with its timestamp is one sample, a
    /// native histogram one histogram sample (classic histograms come as their series, as scraped).
    mutating func readProtobuf(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot open \(path)") }
        let parser: ProtobufParser
        do {
            parser = try ProtobufParser(Array(data))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
        for entry in parser.entries {
            guard let timestamp = entry.timestamp else {
                rejected += 1
                continue
            }
            guard timestamp <= latest else {
                tooNew += 1
                continue
            }
            let id = seriesID(entry.key[...]) { entry.labels }
            let buffer = series[id]
            if var histogram = entry.histogram {
                guard timestamp > buffer.newestHistogram, histogram.invalidity == nil else {
                    rejected += 1
                    continue
                }
                let start = timestamp.windowStart(range)
                histogram.counterResetHint = histogram.storedHint(after: buffer.histograms[start]?.last?.histogram)
                buffer.histograms[start, default: []].append(HistogramSample(timestamp: timestamp, histogram: histogram))
                buffer.newestHistogram = timestamp
                noteSample(at: timestamp)
            } else {
                do {
                    try buffer.append(timestamp, entry.value, range: range)
                    noteSample(at: timestamp)
                } catch {
                    rejected += 1
                }
            }
        }
    }

    /// The series of `bytes` (a line's series text, or a protobuf entry's key): the previous
    /// sample's series (files list a series' samples together), else a hash lookup over the raw
    /// bytes, else a new series with the labels `labels` makes.
    private mutating func seriesID(_ bytes: ArraySlice<UInt8>, labels: () -> Labels) -> Int {
        if last >= 0 && Self.same(series[last].key, bytes) { return last }
        var hasher = StableHasher()
        bytes.withUnsafeBytes { hasher.combine($0) }
        let hash = hasher.value
        if let candidates = byHash[hash] {
            for candidate in candidates where Self.same(series[candidate].key, bytes) {
                last = candidate
                return candidate
            }
        }
        let id = series.count
        series.append(SeriesBuffer(labels: labels(), key: Array(bytes)))
        byHash[hash, default: []].append(id)
        last = id
        return id
    }

    private static func same(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
    }

    /// Every series' samples in `start`'s range, decoded.
    func samples(of buffer: SeriesBuffer, in start: Int64) throws -> [Sample] {
        var all: [Sample] = []
        for chunk in buffer.ranges[start] ?? [] { all.append(contentsOf: try chunk.samples()) }
        return all
    }

    /// Block range starts holding data, after the last chunks are closed.
    var rangeStarts: [Int64] {
        for buffer in series { buffer.flush() }
        return Array(Set(series.flatMap { Array($0.ranges.keys) + Array($0.histograms.keys) })).sorted()
    }

    mutating func writeBlocks(into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for start in rangeStarts {
            let end = min(start.saturatingAdd(range), (newestByRange[start] ?? start).saturatingAdd(1))
            var writer = try BlockWriter(parent: directory, minTime: start, maxTime: end)
            for buffer in series where buffer.ranges[start] != nil || buffer.histograms[start] != nil {
                try writer.add(buffer.labels, try samples(of: buffer, in: start), histograms: buffer.histograms[start] ?? [])
                buffer.ranges[start] = nil
                buffer.histograms[start] = nil
            }
            _ = try writer.finish()
            blocksWritten += 1
        }
    }
}
