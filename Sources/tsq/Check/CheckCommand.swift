import ArgumentParser

/// `tsq check`: offline checks of configuration and exposition text.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check configuration files, rule files or exposition text.", subcommands: [CheckConfig.self, CheckRules.self, CheckMetrics.self])
}
