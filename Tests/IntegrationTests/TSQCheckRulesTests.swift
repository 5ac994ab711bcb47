import Foundation
import Testing
import TestSupport

extension TSQIntegrationTests {
    /// `tsq check rules` against Debian's `promtool check rules` on promtool's own rule files: the same
    /// output, line for line, and the same exit status.
    @Suite("tsq check rules against promtool", SharedConformance.required,
           .enabled(if: FileManager.default.isExecutableFile(atPath: TSQPeers.promtool), "promtool (Debian package prometheus) is not installed"))
    struct TSQCheckRulesTests {
        @Test("same output and exit status", arguments: [
            ["rules.yml"], ["rules-bad.yml"], ["rules_duplicates.yml"], ["--lint-fatal", "rules_duplicates.yml"], ["--lint=none", "rules_duplicates.yml"],
            ["rules_extrafields.yml"], ["bad-rules-syntax.yml"], ["bad-rules-error.yml"], ["rules.yml", "rules-bad.yml"],
        ])
        func sameAsPromtool(arguments: [String]) async throws {
            let directory = try #require(SharedConformance.directory).appendingPathComponent("rules")
            // Run in the files' directory, so both name them alike.
            let ours = try await tsq(["check", "rules"] + arguments, directory: directory)
            let theirs = try await runCommandDetached(URL(fileURLWithPath: TSQPeers.promtool), ["check", "rules"] + arguments, directory: directory)
            #expect(ours.status == theirs.status, "exit \(ours.status), promtool \(theirs.status)")
            #expect(ours.stdout == theirs.stdout, "stdout:\n\(ours.stdout)\npromtool:\n\(theirs.stdout)")
            #expect(ours.stderr == theirs.stderr, "stderr:\n\(ours.stderr)\npromtool:\n\(theirs.stderr)")
        }
    }
}
