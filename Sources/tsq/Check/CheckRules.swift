import ArgumentParser
import Foundation
import alertd
import RuleFiles

/// `tsq check rules`: rule files validated as `promtool check rules` validates them.
struct CheckRules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Validate Prometheus rule files as promtool check rules does.",
        discussion: """
            Reports every problem with its file, the position of the YAML node where there is one, the group and the rule: unknown keys, groups without a name or named twice, rules without record/alert or expr, PromQL that does not parse, invalid label and annotation names, fields a recording rule cannot have, and templates that do not parse (undefined variables, unknown functions). Exits 1 when a file fails; lint findings (duplicate rules) only print, unless --lint-fatal, which exits 3 for them, as promtool does.
            """)

    enum Lint: String, ExpressibleByArgument, CaseIterable {
        case all
        case duplicateRules = "duplicate-rules"
        case none
    }

    @Argument(help: "Rule files.")
    var files: [String]

    @Option(help: "Lints to apply: all, duplicate-rules (the only one so far) or none.")
    var lint = Lint.duplicateRules

    @Flag(name: .customLong("lint-fatal"), help: "Make lint problems fail the check.")
    var lintFatal = false

    @Flag(name: .customLong("ignore-unknown-fields"), help: "Accept keys the rule file format does not define.")
    var ignoreUnknownFields = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one rule file") }
    }

    func run() throws {
        var failed = false
        var lintFailed = false
        for file in files {
            Console.write("Checking \(file)\n")
            let (loaded, errors) = RuleFile.load(path: file, ignoreUnknownFields: ignoreUnknownFields)
            guard let loaded else {
                Console.writeError("  FAILED:\n" + errors.map { "\($0)\n" }.joined())
                Console.write("\n")
                failed = true
                continue
            }
            if lint != .none {
                let duplicates = RuleLint.duplicates(loaded)
                if !duplicates.isEmpty {
                    // As promtool: the lint's findings instead of SUCCESS, failing only with --lint-fatal.
                    var text = "  FAILED:\nlint error \(duplicates.count) duplicate rule(s) found.\n"
                    for duplicate in duplicates {
                        text += "Metric: \(duplicate.name)\nLabel(s):\n"
                        for (name, value) in duplicate.labels.sorted(by: { $0.key < $1.key }) { text += "\t\(name): \(value)\n" }
                    }
                    Console.writeError(text + "Might cause inconsistency while recording expressions\n")
                    Console.write("\n")
                    if lintFatal { lintFailed = true }
                    continue
                }
            }
            Console.write("  SUCCESS: \(loaded.ruleCount) rules found\n\n")
        }
        if failed { throw ExitCode(1) }
        // promtool's code for lint findings made fatal.
        if lintFailed { throw ExitCode(3) }
    }
}
