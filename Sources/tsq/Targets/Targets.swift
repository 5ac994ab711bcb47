import ArgumentParser
import Config
import Foundation
import Logging
import MetricsModel
import Relabel
import Scraper
import Synchronization
import Terminal

/// `tsq targets`: a server's targets as a table (state, last scrape, duration, error), or, with
/// `--explain JOB`, each relabel step of the job's targets: which rule kept, rewrote or dropped
/// each. With `--config.file` discovery runs once here instead of asking a server.
struct Targets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List targets with their state, or explain each relabel step of a job's targets.",
        discussion: """
            From a server (--url), targets come from /api/v1/targets and --explain asks
            /api/v1/targets/relabel_steps for each. With --config.file, discovery runs once here: static
            groups, file_sd files as they are now and one list per Kubernetes resource.
            """)

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file to discover from, instead of a server.")
    var configFile: String?

    @Option(help: "Explain the relabeling of this job's targets.")
    var explain: String?

    @Option(help: "Only targets whose discovered labels contain this text.")
    var target: String?

    @Flag(help: "Also print rules that changed nothing.")
    var verbose = false

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if configFile != nil && (connection.url != nil || connection.isOffline) {
            throw ValidationError("give --config.file or a server (--url), not both")
        }
        if configFile == nil && explain == nil && verbose { throw ValidationError("--verbose goes with --explain") }
    }

    /// One discovered target: its pool, discovered labels, fate, and the steps when explaining.
    struct Row: Sendable {
        var pool: String
        var input: Labels
        var kept: Bool
        var explanation: RelabelExplanation?
        /// The scrape URL and final labels of a kept target.
        var result: String?
    }

    func run() async throws {
        if configFile == nil && explain == nil { return try await table() }
        let rows = try await (configFile == nil ? fromServer() : fromConfig())
        var kept = 0
        var dropped = 0
        for row in rows {
            if let target, !row.input.dictionary.values.contains(where: { $0.contains(target) }) { continue }
            if row.kept { kept += 1 } else { dropped += 1 }
            print("\(row.pool) \(row.input.get("__address__"))  \(row.kept ? "KEPT" : "DROPPED")")
            for line in row.explanation?.render(verbose: verbose) ?? [] { print(line) }
            if let result = row.result { print("  => \(result)") }
        }
        print("\(kept) kept, \(dropped) dropped")
    }

    /// Discovery run here, explanations computed locally.
    func fromConfig() async throws -> [Row] {
        let config = try PrometheusConfig.load(file: configFile!)
        var out: [Row] = []
        for scrape in config.scrapeConfigs where explain == nil || scrape.jobName == explain {
            let groups = try await DiscoverySnapshot.groups(scrape, logger: Logger(label: "tsq"))
            for group in groups {
                for pairs in group.discoveredLabelSets {
                    let input = Target.withDefaults(Labels(pairs), config: scrape, global: config.global)
                    let explanation = RelabelExplanation.explain(input, rules: scrape.relabelConfigs)
                    var result: String?
                    if explanation.kept {
                        do {
                            if let target = try Target.populate(input, config: scrape, global: config.global) {
                                result = "\(target.url) \(target.labels)"
                            }
                        } catch {
                            result = "error: \(error)"
                        }
                    }
                    out.append(Row(pool: scrape.jobName, input: input, kept: explanation.kept, explanation: explain == nil ? nil : explanation, result: result))
                }
            }
        }
        if let explain, !config.scrapeConfigs.contains(where: { $0.jobName == explain }) {
            throw TSQFailure(.usage, "no job \(explain) in \(configFile!)")
        }
        return out
    }

    /// The running server's discovered targets, explained by its relabel_steps endpoint.
    func fromServer() async throws -> [Row] {
        let explain = self.explain
        let collected = Collected()
        try await connection.withAPI { api in
            let data = try await api.call("/api/v1/targets").data as? [String: Any] ?? [:]
            var entries: [(pool: String, labels: [String: String], result: String?)] = []
            for active in data["activeTargets"] as? [[String: Any]] ?? [] {
                let labels = active["labels"] as? [String: String] ?? [:]
                entries.append((active["scrapePool"] as? String ?? "", active["discoveredLabels"] as? [String: String] ?? [:],
                                "\(active["scrapeUrl"] as? String ?? "") \(Labels(labels)) health=\(active["health"] as? String ?? "")"))
            }
            for dropped in data["droppedTargets"] as? [[String: Any]] ?? [] {
                let labels = dropped["discoveredLabels"] as? [String: String] ?? [:]
                entries.append((dropped["scrapePool"] as? String ?? labels["job"] ?? "", labels, nil))
            }
            for entry in entries.sorted(by: { ($0.pool, $0.labels["__address__"] ?? "") < ($1.pool, $1.labels["__address__"] ?? "") }) {
                guard entry.pool == explain else { continue }
                let labelsJSON = String(decoding: try JSONSerialization.data(withJSONObject: entry.labels), as: UTF8.self)
                let answer = try await api.call("/api/v1/targets/relabel_steps", [("scrapePool", entry.pool), ("labels", labelsJSON)])
                var steps: [RelabelExplanation.Step] = []
                for (offset, raw) in ((answer.data as? [String: Any])?["steps"] as? [[String: Any]] ?? []).enumerated() {
                    let rule = try JSONDecoder().decode(RelabelConfig.self, from: JSONSerialization.data(withJSONObject: raw["rule"] ?? [:]))
                    steps.append(.init(index: offset + 1, rule: rule, output: Labels(raw["output"] as? [String: String] ?? [:]), keep: raw["keep"] as? Bool ?? true))
                }
                let explanation = RelabelExplanation(input: Labels(entry.labels), steps: steps)
                collected.append(Row(pool: entry.pool, input: Labels(entry.labels), kept: entry.result != nil, explanation: explanation, result: entry.result))
            }
        }
        return collected.rows
    }

    /// Active targets: pool, endpoint, state, labels, last scrape, its duration and the last error.
    func table() async throws {
        let (output, filter) = (self.output, target)
        try await connection.withAPI { api in
            let reply = try await api.call("/api/v1/targets", [("state", "active")])
            if output.format == .json { return Console.printRaw(reply.rawData) }
            let active = (reply.data as? [String: Any])?["activeTargets"] as? [[String: Any]] ?? []
            var rows: [[String]] = []
            let now = TimeArgument.now
            for entry in active {
                let labels = (entry["labels"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                let discovered = entry["discoveredLabels"] as? [String: String] ?? [:]
                if let filter, !discovered.values.contains(where: { $0.contains(filter) }) { continue }
                let last = (entry["lastScrape"] as? String).flatMap(RFC3339Time.parse).map { Self.ago(now - $0) } ?? "never"
                let duration = ResultPoint.number(entry["lastScrapeDuration"] as Any).map { Self.milliseconds($0) } ?? ""
                rows.append([
                    entry["scrapePool"] as? String ?? "", entry["scrapeUrl"] as? String ?? "", (entry["health"] as? String ?? "").uppercased(),
                    ResultSeries.text(labels), last, duration, entry["lastError"] as? String ?? "",
                ])
            }
            rows.sort { ($0[0], $0[1]) < ($1[0], $1[1]) }
            if output.format == .csv {
                return Console.print(["pool,endpoint,state,labels,last_scrape,duration,error"] + rows.map { $0.map(ResultPrinter.csvField).joined(separator: ",") })
            }
            var table = TextTable(headers: ["POOL", "ENDPOINT", "STATE", "LABELS", "LAST SCRAPE", "DURATION", "ERROR"],
                                  alignments: [.left, .left, .left, .left, .right, .right, .left])
            for row in output.limited(rows, noun: "targets") { table.append(row) }
            Console.print(table.render())
        }
    }

    /// `3s ago`, `2m5s ago`.
    static func ago(_ milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds / 1000)
        return seconds < 60 ? "\(seconds)s ago" : seconds < 3600 ? "\(seconds / 60)m\(seconds % 60)s ago" : "\(seconds / 3600)h\(seconds % 3600 / 60)m ago"
    }

    static func milliseconds(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : "\((seconds * 100).rounded() / 100)s"
    }
}

/// Rows gathered inside the client's closure.
private final class Collected: Sendable {
    private let list = Mutex<[Targets.Row]>([])
    var rows: [Targets.Row] { list.withLock { $0 } }
    func append(_ row: Targets.Row) { list.withLock { $0.append(row) } }
}
