import ArgumentParser
import Config
import Foundation
import Logging
import MetricsModel
import Relabel
import Scraper
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tsq targets`: lists a configuration's targets, or explains rule by rule why each target of a job
/// was kept, rewritten or dropped. Reads a running metricsd (`--url`) or runs discovery once from a
/// configuration file (`--config.file`).
struct Targets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List targets, or explain each relabel step of a job's targets.",
        discussion: """
            With --url, the targets a running metricsd discovered are read from /api/v1/targets and each is
            explained by /api/v1/targets/relabel_steps. With --config.file, discovery runs once here:
            static groups, file_sd files as they are now and one list per Kubernetes resource.
            """)

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file to discover from.")
    var configFile: String?

    @Option(help: "Base URL of a running metricsd, e.g. http://127.0.0.1:9090.")
    var url: String?

    @Option(help: "Explain the relabeling of this job's targets.")
    var explain: String?

    @Option(help: "Only targets whose discovered labels contain this text.")
    var target: String?

    @Flag(help: "Also print rules that changed nothing.")
    var verbose = false

    func validate() throws {
        guard (configFile == nil) != (url == nil) else { throw ValidationError("give exactly one of --config.file and --url") }
    }

    /// One discovered target: its pool, discovered labels, fate, and the steps when explaining.
    struct Row {
        var pool: String
        var input: Labels
        var kept: Bool
        var explanation: RelabelExplanation?
        /// The scrape URL and final labels of a kept target.
        var result: String?
    }

    func run() async throws {
        let rows = try await (url != nil ? fromServer() : fromConfig())
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
            throw ValidationError("no job \(explain) in \(configFile!)")
        }
        return out
    }

    /// The running server's discovered targets, explained by its relabel_steps endpoint.
    func fromServer() async throws -> [Row] {
        let base = url!.hasSuffix("/") ? String(url!.dropLast()) : url!
        let targets = try await Self.getJSON(base + "/api/v1/targets")
        let data = targets["data"] as? [String: Any] ?? [:]
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
        var out: [Row] = []
        for entry in entries.sorted(by: { ($0.pool, $0.labels["__address__"] ?? "") < ($1.pool, $1.labels["__address__"] ?? "") }) {
            guard explain == nil || entry.pool == explain else { continue }
            var steps: [RelabelExplanation.Step] = []
            if explain != nil {
                let labelsJSON = String(decoding: try JSONSerialization.data(withJSONObject: entry.labels), as: UTF8.self)
                var components = URLComponents(string: base + "/api/v1/targets/relabel_steps")!
                components.queryItems = [URLQueryItem(name: "scrapePool", value: entry.pool), URLQueryItem(name: "labels", value: labelsJSON)]
                let answer = try await Self.getJSON(components.url!.absoluteString)
                let rawSteps = (answer["data"] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
                for (offset, raw) in rawSteps.enumerated() {
                    let rule = try JSONDecoder().decode(RelabelConfig.self, from: JSONSerialization.data(withJSONObject: raw["rule"] ?? [:]))
                    steps.append(.init(index: offset + 1, rule: rule, output: Labels(raw["output"] as? [String: String] ?? [:]), keep: raw["keep"] as? Bool ?? true))
                }
            }
            let explanation = explain == nil ? nil : RelabelExplanation(input: Labels(entry.labels), steps: steps)
            out.append(Row(pool: entry.pool, input: Labels(entry.labels), kept: entry.result != nil, explanation: explanation, result: entry.result))
        }
        return out
    }

    static func getJSON(_ url: String) async throws -> [String: Any] {
        guard let url = URL(string: url) else { throw ValidationError("invalid URL \(url)") }
        let (data, response) = try await URLSession.shared.data(from: url)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        if let http = response as? HTTPURLResponse, http.statusCode != 200 {
            throw ValidationError("\(url): HTTP \(http.statusCode): \(object["error"] as? String ?? "")")
        }
        return object
    }
}
