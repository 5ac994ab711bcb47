import ArgumentParser
import Exposition
import Foundation
import MetricsModel
import Scraper

/// Parser cost per sample line on a realistic scrape.
struct ParseBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parser ns per sample line on an exposition file, replicated to a target size.")

    @Argument(help: "An exposition file, e.g. node-exporter output (curl http://127.0.0.1:9100/metrics).")
    var file: String

    @Option(help: "Replicate the file's sample lines (with a distinguishing label) until it has at least this many.")
    var lines = 10_000

    @Option(help: "Timed runs after one warm-up.")
    var runs = 30

    @Option(help: "prometheus-text-0.0.4 or openmetrics-text-1.0.0.")
    var format = ExpositionFormat.prometheusText.rawValue

    func run() throws {
        guard let format = ExpositionFormat(rawValue: format) else { throw ValidationError("unknown format \(self.format)") }
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let text = Self.replicate(original, toAtLeast: lines, format: format)
        let bytes = Array(text.utf8)
        var sampleLines = 0
        var parser = TextParser(bytes: bytes, format: format)
        while let entry = try parser.next() {
            if entry == .series { sampleLines += 1 }
        }
        print("input: \(bytes.count) bytes, \(sampleLines) sample lines (\(format.rawValue))")

        // 1. Tokenise only: what a scrape whose series are all cached pays (the cache is keyed by raw series bytes).
        var checksum = 0.0
        let scan = try Stopwatch.measure(runs: runs) {
            var parser = TextParser(bytes: bytes, format: format)
            while let entry = try parser.next() {
                if entry == .series { checksum += parser.value }
            }
        }
        // 2. Tokenise and build every label set: a first scrape, or a target whose series all changed.
        let full = try Stopwatch.measure(runs: runs) {
            var parser = TextParser(bytes: bytes, format: format)
            while let entry = try parser.next() {
                if entry == .series { checksum += Double(parser.labels().count) }
            }
        }
        print("parse (values only):        \(Stopwatch.summary(scan.map { $0 / Double(sampleLines) }, unit: "ns/line"))")
        print("parse + build label sets:   \(Stopwatch.summary(full.map { $0 / Double(sampleLines) }, unit: "ns/line"))")
        if checksum == 42 { print("") }  // keeps the work observable to the optimiser
    }

    /// Repeats the sample lines with a `replica` label until there are at least `target` of them;
    /// metadata lines are kept once, so families stay contiguous.
    static func replicate(_ text: String, toAtLeast target: Int, format: ExpositionFormat) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).filter { $0.first != "#" || !$0.hasPrefix("# EOF") }
        let samples = lines.filter { !$0.hasPrefix("#") }
        guard !samples.isEmpty else { return text }
        let copies = max(1, (target + samples.count - 1) / samples.count)
        var out = ""
        out.reserveCapacity(text.utf8.count * copies + copies * samples.count * 16)
        for line in lines {
            if line.hasPrefix("#") {
                out += line + "\n"
                continue
            }
            for copy in 0..<copies {
                out += copy == 0 ? String(line) : labelled(line, copy)
                out += "\n"
            }
        }
        if format == .openMetrics { out += "# EOF\n" }
        return out
    }

    private static func labelled(_ line: Substring, _ copy: Int) -> String {
        if let brace = line.firstIndex(of: "{") {
            let after = line.index(after: brace)
            return String(line[..<after]) + "replica=\"\(copy)\"," + line[after...]
        }
        guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return String(line) }
        return String(line[..<space]) + "{replica=\"\(copy)\"}" + line[space...]
    }
}

extension ExpositionFormat: ExpressibleByArgument {}
