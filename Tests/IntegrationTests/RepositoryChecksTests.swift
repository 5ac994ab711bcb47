import Foundation
import Testing
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
}
