import ArgumentParser

/// `tsq`: the terminal client for ToolboxMetrics.
@main
struct TSQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsq",
        abstract: "Query, import and benchmark ToolboxMetrics from a terminal.",
        subcommands: [Import.self, Dump.self, PromQLTest.self, Targets.self, Bench.self]
    )
}
