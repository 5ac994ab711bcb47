import ArgumentParser
import Foundation
import MetricsModel

/// `tsq test rules`: promtool's rule unit tests.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Run unit tests.", subcommands: [TestRules.self])
}

struct TestRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Run rule unit tests in promtool's format.",
        discussion: "Each file's rule_files are loaded, its input series evaluated against them, and its alert_rule_test and promql_expr_test checked. Exits 1 when a file fails. Native-histogram input series are not supported yet.")

    @Argument(help: "Test files.")
    var files: [String]

    @Option(name: .customLong("run"), help: "Only test groups whose name matches this regular expression (repeatable).")
    var groupPatterns: [String] = []

    @Flag(name: .customLong("ignore-unknown-fields"), help: "Accept keys the rule file format does not define.")
    var ignoreUnknownFields = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one test file") }
    }

    func run() throws {
        var patterns: [RE2Regex] = []
        for pattern in groupPatterns {
            do {
                patterns.append(try RE2Regex(pattern))
            } catch {
                throw ValidationError("--run \(pattern): \(error)")
            }
        }
        var failed = false
        for file in files {
            Console.write("Unit Testing:  \(file)\n")
            let failures = RuleUnitTestRunner(path: file, only: patterns, ignoreUnknownFields: ignoreUnknownFields).run()
            if failures.isEmpty {
                Console.write("  SUCCESS\n")
            } else {
                failed = true
                Console.writeError("  FAILED:\n" + failures.joined(separator: "\n") + "\n")
            }
            Console.write("\n")
        }
        if failed { throw ExitCode(1) }
    }
}
