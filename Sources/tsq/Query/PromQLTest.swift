import ArgumentParser
import Foundation
import PromQL
import PromQLTesting

/// `tsq promqltest PATH…`: runs Prometheus's PromQL test scripts against this engine.
struct PromQLTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promqltest",
        abstract: "Run promqltest files (or folders of .test files) against the engine.")

    @Argument(help: "Test files or folders.")
    var paths: [String]

    @Flag(help: "Also print every skipped command (one the runner does not know).")
    var verbose = false

    func run() throws {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ValidationError("no such file: \(path)") }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".test") }.sorted()
                files += names.map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        var total = PromQLTestRunner.Outcome()
        for file in files {
            let outcome = PromQLTestRunner().run(file: (file as NSString).lastPathComponent, contents: try String(contentsOfFile: file, encoding: .utf8))
            for failure in outcome.failures { print("FAIL \(failure)") }
            if verbose { for skip in outcome.skips { print("SKIP \(skip)") } }
            print("\((file as NSString).lastPathComponent): \(outcome.passed) passed, \(outcome.failed) failed, \(outcome.skipped) skipped")
            total.passed += outcome.passed
            total.failed += outcome.failed
            total.skipped += outcome.skipped
        }
        print("\(total.passed) passed, \(total.failed) failed, \(total.skipped) skipped")
        if total.failed > 0 { throw ExitCode(1) }
    }
}
