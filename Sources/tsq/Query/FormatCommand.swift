import ArgumentParser
import PromQL

/// `tsq format`: a query pretty-printed here, by the printer behind metricsd's `/api/v1/format_query`.
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "format", abstract: "Pretty-print a PromQL query (locally, as /api/v1/format_query does).")

    @Argument(help: "The PromQL expression.")
    var expr: String

    func run() throws {
        do {
            print(try Parser.parse(expr).description)
        } catch {
            throw TSQFailure(.failed, QueryCommand.markPosition("\(error)", in: expr))
        }
    }
}
