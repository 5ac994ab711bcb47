import ArgumentParser
import Terminal

/// `tsq metadata`: metric types, units and help texts, as scraped.
struct MetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metadata", abstract: "Show the type, unit and help of metrics.")

    @Argument(help: "Only this metric.")
    var metric: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let parameters = metric.map { [("metric", $0)] } ?? []
        let output = self.output
        try await connection.withAPI { api in
            let reply = try await api.call("/api/v1/metadata", parameters)
            if output.format == .json { return Console.printRaw(reply.rawData) }
            var rows: [[String]] = []
            for (name, entries) in (reply.data as? [String: [[String: String]]] ?? [:]).sorted(by: { $0.key < $1.key }) {
                for entry in entries { rows.append([name, entry["type"] ?? "", entry["unit"] ?? "", entry["help"] ?? ""]) }
            }
            let shown = output.limited(rows, noun: "metadata entries")
            if output.format == .csv {
                return Console.print(["metric,type,unit,help"] + shown.map { $0.map(ResultPrinter.csvField).joined(separator: ",") })
            }
            var table = TextTable(headers: ["METRIC", "TYPE", "UNIT", "HELP"])
            for row in shown { table.append(row) }
            Console.print(table.render())
        }
    }
}
