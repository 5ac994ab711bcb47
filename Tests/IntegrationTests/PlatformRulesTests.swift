import Foundation
import ServerTestSupport
import Testing
import TestSupport
import Yams

/// `deploy/rules/toolboxai.yml`: valid, unit-tested, and every alert has a runbook that exists.
@Suite("Platform rules")
struct PlatformRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let rules = root.appendingPathComponent("deploy/rules/toolboxai.yml").path
    static let tests = root.appendingPathComponent("deploy/rules/toolboxai.test.yml").path

    @Test("tsq check rules and tsq test rules pass; promtool agrees where installed")
    func checksAndUnitTests() async throws {
        let check = try await runCommandDetached(ServerProcess.binary("tsq"), ["check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let test = try await runCommandDetached(ServerProcess.binary("tsq"), ["test", "rules", Self.tests])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"))
        guard TSQPeers.havePrometheus else { return }
        let promtool = try await runCommandDetached(URL(fileURLWithPath: TSQPeers.promtool), ["test", "rules", Self.tests])
        #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")
    }

    @Test("every alert has a runbook_url whose section exists in docs/runbooks.md, and a unit test")
    func runbooks() throws {
        let file = try #require(try Yams.load(yaml: String(contentsOfFile: Self.rules, encoding: .utf8)) as? [String: Any])
        let groups = try #require(file["groups"] as? [[String: Any]])
        let alerts = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }.filter { $0["alert"] != nil }
        #expect(alerts.count >= 13)
        let runbooks = try String(contentsOf: Self.root.appendingPathComponent("docs/runbooks.md"), encoding: .utf8)
        let anchors = Set(runbooks.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { $0.dropFirst(3).lowercased() })
        let tests = try String(contentsOfFile: Self.tests, encoding: .utf8)
        for alert in alerts {
            let name = try #require(alert["alert"] as? String)
            let url = (alert["annotations"] as? [String: String])?["runbook_url"] ?? ""
            #expect(url == "docs/runbooks.md#\(name.lowercased())", "\(name): runbook_url \(url)")
            #expect(anchors.contains(name.lowercased()), "\(name) has no section in docs/runbooks.md")
            #expect(tests.contains("alertname: \(name)"), "\(name) has no alert_rule_test")
        }
    }
}
