import ArgumentParser
import Foundation

/// `tsq`: the terminal client for ToolboxMetrics.
@main
struct TSQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsq",
        abstract: "Query ToolboxMetrics (or any Prometheus-compatible server, or a data directory) from a terminal.",
        discussion: """
            Server commands ask --url (default $TSQ_URL, else http://127.0.0.1:9090), or read a data directory in process with --data-dir. Results go to stdout; warnings, infos and notes to stderr. docs/tsq.md has the details.

            Exit codes:
              0  success
              1  the query failed (the server's error text) or a check found problems
              2  usage: an unknown flag, a bad argument or time
              3  the server is unreachable or timed out, or --data-dir is unreadable

            Shell completion: tsq --generate-completion-script bash|zsh|fish
            """,
        subcommands: [
            QueryCommand.self, SeriesCommand.self, LabelsCommand.self, MetadataCommand.self, Targets.self, RulesCommand.self,
            AlertsCommand.self, TSDBCommand.self, FormatCommand.self, CheckCommand.self, TestCommand.self,
            Import.self, Dump.self, PromQLTest.self, Bench.self,
        ]
    )

    /// Parses and runs, mapping failures to the documented exit codes and a one-line message
    /// (never a stack trace).
    static func main() async {
        let code: Int32
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
            code = 0
        } catch let failure as TSQFailure {
            FileHandle.standardError.write(Data("tsq: \(failure.message)\n".utf8))
            code = failure.code.rawValue
        } catch {
            code = report(error)
        }
        Foundation.exit(code)
    }

    /// ArgumentParser's own outcomes: help and completion scripts (exit 0), usage errors (2); any
    /// other error is a failed command (1).
    static func report(_ error: any Error) -> Int32 {
        // A command that printed its own findings ends with a bare exit code.
        if let bare = error as? ExitCode { return bare.rawValue }
        let exitCode = exitCode(for: error)
        let message = fullMessage(for: error)
        if exitCode == .success {
            if !message.isEmpty { print(message) }
            return 0
        }
        FileHandle.standardError.write(Data(((message.isEmpty ? "\(error)" : message) + "\n").utf8))
        return exitCode == .validationFailure ? TSQFailure.Code.usage.rawValue : TSQFailure.Code.failed.rawValue
    }
}
