import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// Rule files follow the configuration: loaded at start (a bad one stops the start), re-read on
/// reload (a bad one rejects the reload and the running groups stay).
@Suite("metricsd rule files", .serialized)
struct RuleReloadTests {
    static func groupNames(_ base: String) async -> [String] {
        guard let body = await httpGet(base + "/api/v1/rules")?.1,
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let groups = (object["data"] as? [String: Any])?["groups"] as? [[String: Any]]
        else { return [] }
        return groups.compactMap { $0["name"] as? String }
    }

    @Test("a reload picks up changed rule files, refuses a broken one, and a removed group's series go stale")
    func reload() async throws {
        let directory = try makeTemporaryDirectory("rule-reload")
        defer { removeTemporaryDirectory(directory) }
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let one = "groups: [{name: one, interval: 1s, rules: [{record: one_total, expr: vector(1)}]}]\n"
        try one.write(to: rules.appendingPathComponent("a.yml"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("prometheus.yml")
        try "global: {evaluation_interval: 1s}\nrule_files: ['rules/*.yml']\n".write(to: config, atomically: true, encoding: .utf8)
        let port = ServerProcess.freePort()
        let base = "http://127.0.0.1:\(port)"
        let server = try ServerProcess("metricsd", arguments: [
            "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--web.enable-lifecycle",
            "--storage.tsdb.path", directory.path + "/data",
        ])
        try await runThenTerminate(server) {
            #expect(await eventually(within: underLoad) {
                await httpGet(base + "/api/v1/query?query=one_total")?.1.contains(#""1"]"#) == true
            })
            #expect(await Self.groupNames(base) == ["one"])

            // A second file through the glob, and the first group's rule changed.
            try "groups: [{name: two, interval: 1s, rules: [{record: two_total, expr: vector(2)}]}]\n"
                .write(to: rules.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
            #expect(await httpPost(base + "/-/reload")?.0 == 200)
            #expect(await Self.groupNames(base) == ["one", "two"])

            // A broken file: the reload fails naming the file, line and problem; the groups stay.
            try "groups: [{name: three, rules: [{record: x, expr: 'sum(('}]}]\n"
                .write(to: rules.appendingPathComponent("c.yml"), atomically: true, encoding: .utf8)
            let refused = await httpPost(base + "/-/reload")
            #expect(refused?.0 == 500)
            #expect(refused?.1.contains("c.yml: 1:") == true && refused?.1.contains("could not parse expression") == true, "\(refused?.1 ?? "")")
            #expect(await Self.groupNames(base) == ["one", "two"])

            // Group one removed: its series end with a stale marker, so a query stops returning it at once.
            try FileManager.default.removeItem(at: rules.appendingPathComponent("c.yml"))
            try FileManager.default.removeItem(at: rules.appendingPathComponent("a.yml"))
            #expect(await httpPost(base + "/-/reload")?.0 == 200)
            #expect(await Self.groupNames(base) == ["two"])
            #expect(await eventually(within: underLoad) {
                await httpGet(base + "/api/v1/query?query=one_total")?.1.contains(#""result":[]"#) == true
            })
        }
    }

    @Test("a broken rule file stops metricsd from starting, with the reason")
    func badAtStart() async throws {
        let directory = try makeTemporaryDirectory("rule-start")
        defer { removeTemporaryDirectory(directory) }
        try "groups: [{name: g, rules: [{alert: A, expr: up, annotations: {x: '{{ nosuchfunc }}'}}]}]\n"
            .write(to: directory.appendingPathComponent("bad.yml"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("prometheus.yml")
        try "rule_files: [bad.yml]\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try await runCommandDetached(ServerProcess.binary("metricsd"), [
            "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(ServerProcess.freePort())", "--storage.tsdb.path", directory.path + "/data",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error loading rules") && result.stderr.contains("nosuchfunc"), "\(result.stderr)")
    }
}
