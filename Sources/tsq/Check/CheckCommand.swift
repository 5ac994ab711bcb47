import ArgumentParser

/// `tsq check`: offline checks of configuration and exposition text.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check a configuration file or exposition text.", subcommands: [CheckConfig.self, CheckMetrics.self])
}
