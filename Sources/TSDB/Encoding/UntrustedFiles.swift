import Logging
import MetricsModel

/// Whole files of a store as the fuzz targets hand them over: a WAL segment replayed into a fresh
/// head, and a block's SQLite index opened and queried. Each works in a scratch directory the
/// caller owns; whatever the bytes, it returns what it read or throws, and never crashes.
extension UntrustedDecoders {
    private static let quiet: Logger = {
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        return logger
    }()

    /// Opens a store in `directory` whose WAL is `segment` alone (replay, the repair of a torn or
    /// corrupt tail, the checks of sample bounds), reads every series back and closes it. Returns
    /// the samples read.
    package static func replaySegment(_ segment: [UInt8], in directory: String) throws -> Int {
        try? FileIO.removeTree(directory)
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(directory + "/wal")
        try FileIO.writeFile(directory + "/wal/" + WAL.segmentName(0), segment)
        let db = try DB(path: directory, logger: quiet)
        defer { db.close() }
        let floats = try db.select([], from: Int64.min, through: Int64.max).reduce(0) { $0 + $1.1.count }
        let histograms = try db.selectHistograms([], from: Int64.min, through: Int64.max).reduce(0) { $0 + $1.1.count }
        return floats + histograms
    }

    /// A WAL segment holding the `examples()` records, framed as the writer frames them.
    package static func exampleSegment() -> [UInt8] {
        var frame = ByteWriter()
        var scratch = ByteWriter()
        for record in exampleRecords() { WAL.frame(record, into: &frame, scratch: &scratch) }
        return frame.bytes
    }

    /// Makes `template`, a small block (two series, float and histogram chunks), once; returns its
    /// index file's bytes, the seed of the block-index target.
    package static func makeBlockTemplate(in template: String) throws -> [UInt8] {
        try? FileIO.removeTree(template)
        try FileIO.makeDirectory(template)
        var writer = try BlockWriter(parent: template, minTime: 0, maxTime: 7_200_000)
        let samples = (0..<120).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0)) }
        try writer.add(["__name__": "up", "job": "api"], samples)
        try writer.add(["__name__": "latency", "job": "api", "le": "0.5"], Array(samples.prefix(40)))
        let (path, _) = try writer.finish()
        try FileIO.rename(path, template + "/block")
        return try FileIO.readAll(template + "/block/index.sqlite")
    }

    /// Opens a copy of the template block whose index is `index`, and reads it every way a query
    /// does: all series with their samples, label names and values, a matcher. Returns what it read.
    package static func openBlock(index: [UInt8], template: String, scratch: String) throws -> Int {
        try? FileIO.removeTree(scratch)
        try FileIO.makeDirectory(scratch)
        try FileIO.makeDirectory(scratch + "/chunks")
        try FileIO.writeFile(scratch + "/meta.json", try FileIO.readAll(template + "/block/meta.json"))
        for name in try FileIO.list(template + "/block/chunks") {
            try FileIO.writeFile(scratch + "/chunks/" + name, try FileIO.readAll(template + "/block/chunks/" + name))
        }
        try FileIO.writeFile(scratch + "/index.sqlite", index)
        let block = try Block(directory: scratch)
        var read = try block.select([], from: Int64.min, through: Int64.max, damage: ReadDamage()).reduce(0) { $0 + $1.1.count }
        for name in block.labelNames { read += block.labelValues(name).count }
        read += try block.series([try Matcher(.regexMatch, "job", "a.*")]).count
        return read
    }
}
