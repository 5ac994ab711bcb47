import ArgumentParser
import Terminal

/// `tsq series`: the series matching selectors.
struct SeriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "series", abstract: "List the series matching one or more selectors.")

    @Argument(help: "Series selectors, e.g. 'up{job=\"node\"}'.")
    var matchers: [String]

    @OptionGroup var window: TimeWindow
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if matchers.isEmpty { throw ValidationError("give at least one series selector") }
    }

    func run() async throws {
        let parameters = try matchers.map { ("match[]", $0) } + window.parameters()
        let output = self.output
        try await connection.withAPI { api in
            let reply = try await api.call("/api/v1/series", parameters, post: true)
            Console.annotations(reply)
            if output.format == .json { return Console.printRaw(reply.rawData) }
            let series = (reply.data as? [[String: String]] ?? []).map { labels in
                ResultSeries(labels: labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, points: [])
            }
            let shown = output.limited(series, noun: "series")
            switch output.format {
            case .csv:
                let columns = ResultPrinter.labelColumns(shown)
                Console.print([columns.map(ResultPrinter.csvField).joined(separator: ",")]
                    + shown.map { ResultPrinter.labelCells($0, columns).joined(separator: ",") })
            case .prom:
                Console.print(shown.map { ResultSeries.text($0.labels, separator: ",") })
            default:
                var table = TextTable(headers: ["SERIES"])
                for entry in shown { table.append([entry.text]) }
                Console.print(table.render())
            }
        }
    }
}

/// `--start`/`--end` of the metadata commands, as API parameters.
struct TimeWindow: ParsableArguments {
    @Option(help: "Only series with samples after this time.")
    var start: String?

    @Option(help: "Only series with samples before this time.")
    var end: String?

    func parameters() throws(TSQFailure) -> [(String, String)] {
        let now = TimeArgument.now
        var out: [(String, String)] = []
        if let start = try QueryCommand.time(start, "--start", now: now) { out.append(("start", TimeArgument.apiText(start))) }
        if let end = try QueryCommand.time(end, "--end", now: now) { out.append(("end", TimeArgument.apiText(end))) }
        return out
    }
}
