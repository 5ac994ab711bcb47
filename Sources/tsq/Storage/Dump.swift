import ArgumentParser
import Logging
import MetricsModel
import TSDB

/// `tsq dump`: prints stored samples, opening the store read-only (blocks and the WAL as it stands).
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the samples in a storage directory, one per line (read-only; metricsd may be running).")

    @Option(name: .customLong("data-dir"), help: "The storage directory.")
    var dataDirectory: String

    @Option(help: "Only series with this metric name.")
    var metric: String?

    @Option(help: "Start of the range, ms since the epoch.")
    var mint = Int64.min

    @Option(help: "End of the range, ms since the epoch.")
    var maxt = Int64.max

    func run() throws {
        var logger = Logger(label: "tsq")
        logger.logLevel = .warning
        let db = try DB.openReadOnly(path: dataDirectory, logger: logger)
        defer { db.close() }
        let matchers = try metric.map { [try Matcher(.equal, LabelNames.metricName, $0)] } ?? []
        var out = ""
        for (labels, samples) in try db.select(matchers, from: mint, through: maxt) {
            for sample in samples {
                out += "\(labels) \(GoFloat.formatG(sample.value)) \(sample.timestamp)\n"
                if out.utf8.count > 1 << 16 {
                    print(out, terminator: "")
                    out = ""
                }
            }
        }
        print(out, terminator: "")
    }
}
