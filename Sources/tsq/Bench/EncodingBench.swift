import ArgumentParser
import MetricsModel
import TSDB

/// Compares block chunk encodings on a real dataset: bytes per sample by value mode, and decode speed.
struct EncodingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoding",
        abstract: "Bytes per sample of the block chunk encodings on an OpenMetrics file (e.g. the bench dataset).")

    @Argument(help: "OpenMetrics file with timestamps (../shared/bench dataset data.om).")
    var file: String

    @Option(help: "Comma-separated samples per compact chunk to try.")
    var sizes = "120,480,1440,5760"

    func run() throws {
        var importer = Importer(range: 24 * 3_600_000)
        try importer.read(path: file)
        var perSeries: [(Labels, [Sample])] = []
        for start in importer.rangeStarts {
            for buffer in importer.series where buffer.ranges[start] != nil {
                perSeries.append((buffer.labels, try importer.samples(of: buffer, in: start)))
            }
        }
        let total = perSeries.reduce(0) { $0 + $1.1.count }
        print("\(perSeries.count) series, \(total) samples")
        // Gorilla as the head writes it: 120-sample XOR chunks.
        var xorBytes = 0
        for (_, samples) in perSeries {
            for start in stride(from: 0, to: samples.count, by: 120) {
                var appender = XORAppender()
                for sample in samples[start..<min(start + 120, samples.count)] { try appender.append(sample.timestamp, sample.value) }
                xorBytes += appender.byteCount
            }
        }
        print("xor/120: \(format(Double(xorBytes) / Double(total))) B/sample")
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            var byMode: [String: (bytes: Int, samples: Int, series: Int)] = [:]
            var bytes = 0
            for (_, samples) in perSeries {
                let mode = CompactChunk.mode(of: samples[...])
                var seriesBytes = 0
                for start in stride(from: 0, to: samples.count, by: size) {
                    seriesBytes += try CompactChunk.encode(samples[start..<min(start + size, samples.count)]).count
                }
                bytes += seriesBytes
                var entry = byMode[mode] ?? (0, 0, 0)
                entry.bytes += seriesBytes
                entry.samples += samples.count
                entry.series += 1
                byMode[mode] = entry
            }
            let clock = ContinuousClock()
            var decoded = 0
            let chunks = try perSeries.prefix(2000).map { (_, samples) in try CompactChunk.encode(samples[0..<min(size, samples.count)]) }
            let elapsed = try clock.measure { for chunk in chunks { decoded += try CompactChunk.decode(chunk).count } }
            let nanos = elapsed.inSeconds * 1e9
            print("compact/\(size): \(format(Double(bytes) / Double(total))) B/sample, decode \(format(nanos / Double(decoded))) ns/sample")
            for (mode, entry) in byMode.sorted(by: { $0.value.bytes > $1.value.bytes }) {
                print("    \(mode): \(entry.series) series, \(format(Double(entry.bytes) / Double(entry.samples))) B/sample, \(format(100 * Double(entry.bytes) / Double(bytes)))% of bytes")
            }
        }
    }

    private func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return String(rounded)
    }
}
