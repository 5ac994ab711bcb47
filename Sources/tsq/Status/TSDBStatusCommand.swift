import ArgumentParser
import Terminal

/// `tsq tsdb status`: cardinality of the head, from `/api/v1/status/tsdb`.
struct TSDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tsdb", abstract: "Inspect the store.", subcommands: [TSDBStatusCommand.self])
}

struct TSDBStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Cardinality: head stats and the top metrics, label names and label pairs by series count.",
        discussion: "Like Prometheus, the figures cover the head (the last two to three hours), not the persisted blocks.")

    @Option(help: "Entries per list (the API's limit).")
    var top = 10

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let (output, top) = (self.output, self.top)
        try await connection.withAPI { api in
            let reply = try await api.call("/api/v1/status/tsdb", [("limit", String(top))])
            if output.format == .json { return Console.printRaw(reply.rawData) }
            let data = reply.data as? [String: Any] ?? [:]
            var lines: [String] = []
            if let head = data["headStats"] as? [String: Any] {
                var table = TextTable(headers: ["HEAD", ""], alignments: [.left, .right])
                table.append(["series", Self.number(head["numSeries"])])
                table.append(["label pairs", Self.number(head["numLabelPairs"])])
                table.append(["chunks", Self.number(head["chunkCount"])])
                for (key, name) in [("minTime", "oldest sample"), ("maxTime", "newest sample")] {
                    // An empty head reports the extremes of the time range.
                    let millis = ResultPoint.number(head[key] as Any).flatMap { abs($0) < 4e15 ? Int64($0) : nil }
                    let shown = millis.map { RFC3339Time.format($0) } ?? "-"
                    table.append([name, shown])
                }
                lines += table.render()
            }
            // metricsd ranks label names by series; Prometheus and VictoriaMetrics only by distinct values.
            let labelNames = data["seriesCountByLabelName"] != nil
                ? ("seriesCountByLabelName", "LABEL NAME", "SERIES") : ("labelValueCountByLabelName", "LABEL NAME", "VALUES")
            for (key, title, unit) in [("seriesCountByMetricName", "METRIC", "SERIES"), labelNames, ("seriesCountByLabelValuePair", "LABEL PAIR", "SERIES")] {
                let entries = data[key] as? [[String: Any]] ?? []
                var table = TextTable(headers: [title, unit], alignments: [.left, .right])
                for entry in entries.prefix(top) { table.append([entry["name"] as? String ?? "", Self.number(entry["value"])]) }
                lines += [""] + table.render()
            }
            Console.print(lines)
        }
    }

    static func number(_ value: Any?) -> String {
        ResultPoint.number(value as Any).map { String(Int64($0)) } ?? "-"
    }
}
