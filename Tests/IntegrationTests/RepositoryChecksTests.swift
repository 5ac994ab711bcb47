import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Checks of the repository itself that keep the docs true.
@Suite("Repository checks")
struct RepositoryChecksTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the module graph in docs/architecture.md is Package.swift's, and every target declares exactly what it imports")
    func moduleGraph() throws {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.root.appendingPathComponent("scripts/check-module-graph").path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("module graph:"), "\(result.output)")
    }

    @Test("no declaration is public without a reason written on the line above it (package is the default)")
    func noUnexplainedPublic() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        var unexplained: [String] = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 100)
        for file in files {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces).hasPrefix("public ") {
                let reason = index > 0 && lines[index - 1].contains("// public because")
                if !reason { unexplained.append("\(file):\(index + 1)") }
            }
        }
        #expect(unexplained.isEmpty, "public without a `// public because` line: \(unexplained.prefix(10))")
    }
}

extension RepositoryChecksTests {
    /// Flag → default as a table's first two columns (`--x` in backticks; a default in backticks, or none).
    static func documentedFlags() throws -> [String: String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/flags.md"), encoding: .utf8)
        var flags: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `--") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 2 else { continue }
            let name = cells[1].split(separator: "`").first.map(String.init) ?? ""
            let value = cells[2].hasPrefix("`") ? cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`")) : ""
            flags[name] = value
        }
        return flags
    }

    /// Flag → default (empty when none) from `metricsd --help`.
    static func helpFlags() throws -> [String: String] {
        let help = try runProcess(ServerProcess.binary("metricsd"), ["--help"]).output
        var flags: [String: String] = [:]
        var current: String?
        for line in help.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") {
                current = String(trimmed.split(separator: " ").first ?? "")
                flags[current!] = ""
            } else if trimmed.hasPrefix("-h, --help") {
                current = "--help"
                flags[current!] = ""
            }
            if let current, let range = trimmed.range(of: "(default: ") {
                flags[current] = String(trimmed[range.upperBound...].dropLast())
            }
        }
        return flags
    }

    @Test("docs/flags.md lists exactly the flags and defaults metricsd --help prints")
    func flagsDocumented() throws {
        let documented = try Self.documentedFlags()
        let help = try Self.helpFlags()
        #expect(Set(documented.keys) == Set(help.keys).subtracting(["--help"]),
                "only in --help: \(Set(help.keys).subtracting(documented.keys).subtracting(["--help"]).sorted()); only in the doc: \(Set(documented.keys).subtracting(help.keys).sorted())")
        for (flag, value) in help where !value.isEmpty {
            #expect(documented[flag] == value, "\(flag): --help says \(value), docs/flags.md \(documented[flag] ?? "nothing")")
        }
    }
}
