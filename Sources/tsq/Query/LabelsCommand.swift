import ArgumentParser
import MetricsModel
import Terminal

/// `tsq labels`: label names, or one label's values.
struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "labels", abstract: "List label names, or the values of one label.")

    @Argument(help: "A label name: list its values instead of the names.")
    var name: String?

    @Option(name: .customLong("match"), help: "Only series matching this selector (repeatable).")
    var matchers: [String] = []

    @OptionGroup var window: TimeWindow
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let parameters = matchers.map { ("match[]", $0) } + (try window.parameters())
        let path = name.map { "/api/v1/label/\(PercentEncoding.encode($0))/values" } ?? "/api/v1/labels"
        let (output, header) = (self.output, name == nil ? "LABEL" : "VALUE")
        try await connection.withAPI { api in
            let reply = try await api.call(path, parameters, post: false)
            Console.annotations(reply)
            if output.format == .json { return Console.printRaw(reply.rawData) }
            let items = output.limited(reply.data as? [String] ?? [], noun: header == "LABEL" ? "names" : "values")
            switch output.format {
            case .csv: Console.print([header.lowercased()] + items.map(ResultPrinter.csvField))
            case .prom: Console.print(Array(items))
            default:
                var table = TextTable(headers: [header])
                for item in items { table.append([item]) }
                Console.print(table.render())
            }
        }
    }
}
