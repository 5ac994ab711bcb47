import ArgumentParser
import Foundation
import MetricsModel
import PromQL
import RuleFiles
import TSDB
import Terminal
import alertd

/// `tsq rules backtest`: replays rule files over stored history and reports when each alert would
/// have gone pending, fired and resolved. Uses the evaluator and schedule metricsd runs live.
struct RulesBacktest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay rule files over stored history: when each alert would have gone pending, fired and resolved.",
        discussion: """
            History comes from a server (--url: metricsd, Prometheus or VictoriaMetrics; the series the rules select are \
            fetched once) or a data directory (--data-dir, read in process). Groups run at their interval and at the same \
            offset into it as live evaluation, so a backtest over data metricsd scraped while evaluating the same file live \
            gives the alerts the live run gave. Recording-rule results feed later rules, as live.
            """)

    @Argument(help: ArgumentHelp("Rule files.", valueName: "rule-file"))
    var files: [String]

    @Option(help: ArgumentHelp("Start of the replay (RFC 3339, Unix seconds, or now-2h; --start=-2h also works).", valueName: "time"))
    var start: String

    @Option(help: ArgumentHelp("End of the replay (default now).", valueName: "time"))
    var end = "now"

    @Option(name: .customLong("eval-interval"), help: ArgumentHelp("Interval of groups that set none (the config's evaluation_interval).", valueName: "duration"))
    var evalInterval = "1m"

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Also write the recording-rule results and ALERTS as blocks into this directory.", valueName: "dir"))
    var outputDirectory: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let now = TimeArgument.now
        guard let from = TimeArgument.milliseconds(start, now: now) else { throw TSQFailure(.usage, "--start: cannot parse \"\(start)\"") }
        guard let to = TimeArgument.milliseconds(end, now: now) else { throw TSQFailure(.usage, "--end: cannot parse \"\(end)\"") }
        guard from <= to else { throw TSQFailure(.usage, "--start must not be after --end") }
        guard let interval = PromDurationArgument.milliseconds(evalInterval), interval > 0 else {
            throw TSQFailure(.usage, "--eval-interval: cannot parse \"\(evalInterval)\"")
        }
        var rules: [RuleFile] = []
        var problems: [RuleFileError] = []
        for path in files {
            let (file, errors) = RuleFile.load(path: path)
            problems += errors
            if let file { rules.append(file) }
        }
        guard problems.isEmpty else { throw TSQFailure(.failed, problems.map(\.description).joined(separator: "\n")) }
        let backtest = RuleBacktest(files: rules, defaultInterval: interval)
        let result: RuleBacktest.Result
        if let dataDirectory = connection.dataDirectory {
            let db: DB
            do {
                db = try DB.openReadOnly(path: dataDirectory, logger: .init(label: "tsq"))
            } catch {
                throw TSQFailure(.unreachable, "--data-dir \(dataDirectory): \(error)")
            }
            defer { db.close() }
            result = try db.withReader { reader in try backtest.run(over: reader, start: from, end: to) }
        } else {
            let history = try await fetch(rules, produced: backtest.producedNames, from: from, to: to)
            result = try backtest.run(over: history, start: from, end: to)
        }
        if let outputDirectory {
            let blocks = try BacktestBlocks.write(result.series, into: outputDirectory)
            Console.note("wrote \(result.series.count) series into \(blocks) block(s) in \(outputDirectory)")
        }
        for failure in result.failures.prefix(5) { Console.note("evaluation failed: \(failure)") }
        if result.failures.count > 5 { Console.note("… and \(result.failures.count - 5) more failed evaluations") }
        print(result, from: from, to: to)
    }

    /// The raw samples of every series the rules select from history, over the span they read.
    func fetch(_ rules: [RuleFile], produced: Set<String>, from: Int64, to: Int64) async throws -> FetchedHistory {
        let exprs = rules.flatMap { $0.groups.flatMap { $0.rules.map(\.expr) } }
        let reach = (exprs.map(\.reach).max() ?? 0) + 5 * 60_000
        let offsets = rules.flatMap { $0.groups.compactMap(\.queryOffset) }.max() ?? 0
        let span = to - (from - reach - offsets) + 1
        var selectors: [String] = []
        for selector in exprs.flatMap(\.selectors) {
            let matchers = selector.allMatchers
            let name = matchers.first { $0.name == LabelNames.metricName && $0.type == .equal }?.value
            if let name, produced.contains(name) { continue }
            let text = VectorSelector(matchers: matchers).description + "[\(span)ms]"
            if !selectors.contains(text) { selectors.append(text) }
        }
        let history = FetchedHistory()
        let wanted = selectors
        let batches = try await connection.withAPI { api in
            var batches: [[(Labels, [Sample])]] = []
            for selector in wanted {
                let reply = try await api.call("/api/v1/query", [("query", selector), ("time", TimeArgument.apiText(to))])
                batches.append(Self.matrix(reply.data))
            }
            return batches
        }
        for (labels, samples) in batches.joined() { history.add(labels, samples) }
        return history
    }

    /// A matrix result's series and points.
    static func matrix(_ data: Any) -> [(Labels, [Sample])] {
        let result = (data as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return result.map { series in
            let labels = Labels(series["metric"] as? [String: String] ?? [:])
            let points = (series["values"] as? [[Any]] ?? []).compactMap { point -> Sample? in
                guard point.count == 2, let time = (point[0] as? NSNumber)?.doubleValue, let text = point[1] as? String,
                    case .success(let value) = GoFloat.parse(text)
                else { return nil }
                return Sample(timestamp: Int64((time * 1000).rounded()), value: value)
            }
            return (labels, points)
        }
    }

    func print(_ result: RuleBacktest.Result, from: Int64, to: Int64) {
        switch output.format {
        case .json, .prom, .csv:
            let episodes: [[String: Any]] = result.episodes.map { episode in
                [
                    "alertname": episode.alertname, "labels": episode.labels.dictionary,
                    "pendingAt": RFC3339Time.format(episode.pendingAt),
                    "firingAt": episode.firingAt.map(RFC3339Time.format) ?? NSNull(),
                    "endedAt": episode.endedAt.map(RFC3339Time.format) ?? NSNull(),
                ]
            }
            let object: [String: Any] = [
                "start": RFC3339Time.format(from), "end": RFC3339Time.format(to), "evaluations": result.evaluations,
                "failures": result.failures.count, "alerts": episodes,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            Console.print([String(decoding: data, as: UTF8.self)])
        case .table, .chart:
            Console.note("\(result.evaluations) group evaluations from \(RFC3339Time.format(from)) to \(RFC3339Time.format(to))")
            if result.episodes.isEmpty { return Console.note("no alert would have gone pending") }
            if output.format == .table {
                var table = TextTable(headers: ["ALERT", "LABELS", "PENDING", "FIRING", "RESOLVED"])
                for episode in output.limited(result.episodes, noun: "alerts") {
                    let labels = episode.labels.filter { $0.name != "alertname" }.map { ($0.name, $0.value) }
                    let ended = episode.endedAt.map { RFC3339Time.format($0) + (episode.firingAt == nil ? " (never fired)" : "") } ?? "-"
                    table.append([episode.alertname, ResultSeries.text(labels), RFC3339Time.format(episode.pendingAt),
                                  episode.firingAt.map(RFC3339Time.format) ?? "-", ended])
                }
                Console.print(table.render())
                Console.print([""])
            }
            var chart = TimelineChart(start: from, end: to, rows: Self.rows(result.episodes), width: output.columns)
            chart.style = output.style
            chart.timeLabel = { RFC3339Time.format($0) }
            Console.print(chart.render())
        }
    }

    /// One chart row per alert label set, with every episode's pending and firing spans.
    static func rows(_ episodes: [RuleBacktest.Episode]) -> [TimelineChart.Row] {
        var order: [Labels] = []
        var spans: [Labels: [(from: Int64, to: Int64?, state: TimelineChart.State)]] = [:]
        for episode in episodes {
            if spans[episode.labels] == nil { order.append(episode.labels) }
            spans[episode.labels, default: []].append((episode.pendingAt, episode.firingAt ?? episode.endedAt, .pending))
            if let firing = episode.firingAt { spans[episode.labels, default: []].append((firing, episode.endedAt, .firing)) }
        }
        return order.map { labels in
            let rest = labels.filter { $0.name != "alertname" }.map { ($0.name, $0.value) }
            let label = labels.get("alertname") + (rest.isEmpty ? "" : " " + ResultSeries.text(rest))
            return TimelineChart.Row(label: label, spans: spans[labels]!)
        }
    }
}
