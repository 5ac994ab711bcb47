import Foundation
import ServerTestSupport
import Testing
import TestSupport
import Yams

/// `dashboards/*.json`: Grafana dashboard models that import unchanged, whose every query parses
/// with our parser and with promtool's, generated from `dashboards/definitions.py`.
@Suite("Dashboards")
struct DashboardTests {
    static let expectedDashboards: Set = [
        "toolboxai-overview.json", "toolboxai-api.json", "toolboxai-database.json", "toolboxai-cache.json",
        "toolboxai-websocket.json", "toolboxai-agents.json", "toolboxai-errors.json", "toolboxmetrics-agent.json",
    ]

    @Test("the six areas, the agent's self-monitoring and an overview are there")
    func allDashboards() throws {
        #expect(Set(try DashboardFiles.load().map(\.name)) == Self.expectedDashboards)
    }

    @Test("each file has Grafana's required fields, unique panel ids, gridPos inside 24 columns and the datasource variable")
    func schema() throws {
        var uids = Set<String>()
        for (name, dashboard) in try DashboardFiles.load() {
            for key in ["title", "uid", "panels", "templating", "schemaVersion", "time", "version", "editable", "annotations"] {
                #expect(dashboard[key] != nil, "\(name): no \(key)")
            }
            #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 39, "\(name): schemaVersion")
            let uid = dashboard["uid"] as? String ?? ""
            #expect(!uid.isEmpty && uid.count <= 40 && uids.insert(uid).inserted, "\(name): uid \(uid)")
            let variables = ((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? []
            let datasource = variables.first { $0["name"] as? String == "datasource" }
            #expect(datasource?["type"] as? String == "datasource" && datasource?["query"] as? String == "prometheus", "\(name): datasource variable")
            for variable in variables where variable["type"] as? String == "query" {
                #expect((variable["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(name): variable \(variable["name"] ?? "")")
                let query = ((variable["query"] as? [String: Any])?["query"] as? String) ?? ""
                #expect(query.hasPrefix("label_values("), "\(name): variable \(variable["name"] ?? "") query \(query)")
            }
            var ids = Set<Int>()
            var rowY = -1
            for panel in DashboardFiles.panels(dashboard) {
                let title = panel["title"] as? String ?? "?"
                let id = panel["id"] as? Int ?? -1
                #expect(ids.insert(id).inserted, "\(name): panel id \(id) repeats")
                let grid = panel["gridPos"] as? [String: Int] ?? [:]
                let (x, w, h, y) = (grid["x"] ?? -1, grid["w"] ?? 0, grid["h"] ?? 0, grid["y"] ?? -1)
                #expect(x >= 0 && w > 0 && h > 0 && y >= 0 && x + w <= 24, "\(name) \(title): gridPos \(grid)")
                let type = panel["type"] as? String ?? ""
                if type == "row" {
                    #expect(y > rowY, "\(name) \(title): rows in order")
                    rowY = y
                    continue
                }
                #expect(["timeseries", "stat", "gauge", "bargauge", "table"].contains(type), "\(name) \(title): type \(type)")
                #expect(!(panel["description"] as? String ?? "").isEmpty, "\(name) \(title): no description")
                let defaults = (panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any] ?? [:]
                #expect(defaults["unit"] is String, "\(name) \(title): no unit")
                #expect(defaults["thresholds"] != nil, "\(name) \(title): no thresholds")
                #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(name) \(title): datasource")
                let targets = panel["targets"] as? [[String: Any]] ?? []
                #expect(!targets.isEmpty, "\(name) \(title): no queries")
                for target in targets {
                    #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(name) \(title): target datasource")
                    let expr = target["expr"] as? String ?? ""
                    if expr.contains("rate(") {
                        #expect(expr.contains("[$__rate_interval]"), "\(name) \(title): rates read $__rate_interval: \(expr)")
                    }
                    if type == "timeseries" && (targets.count > 1 || expr.contains(" by (")) {
                        #expect(!(target["legendFormat"] as? String ?? "").isEmpty && target["legendFormat"] as? String != "__auto",
                                "\(name) \(title): series need a readable legend")
                    }
                }
            }
        }
    }

    @Test("the committed JSON is what dashboards/generate.py writes")
    func generatedFilesAreCurrent() async throws {
        let result = try await runCommandDetached(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", DashboardFiles.directory.appendingPathComponent("generate.py").path, "--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// Every panel query, substituted as Grafana would, as a recording rule: `check rules` parses each.
    static func ruleFile() throws -> String {
        var text = "groups:\n  - name: dashboard-queries\n    rules:\n"
        for (index, target) in try DashboardFiles.targets().enumerated() {
            let expr = DashboardFiles.substitute(target.expr, rateInterval: "1m", range: "1h")
            let quoted = String(data: try JSONSerialization.data(withJSONObject: [expr], options: [.withoutEscapingSlashes]), encoding: .utf8)!.dropFirst().dropLast()
            text += "      - record: dashboard_query_\(index)\n        expr: \(quoted)\n"
        }
        return text
    }

    @Test("every panel query parses with tsq check rules and with promtool check rules")
    func queriesParse() async throws {
        let directory = TemporaryDirectory("dashboard-queries")
        let path = directory.url.appendingPathComponent("queries.yml").path
        try Self.ruleFile().write(toFile: path, atomically: true, encoding: .utf8)
        let ours = try await runCommandDetached(ServerProcess.binary("tsq"), ["check", "rules", path])
        #expect(ours.status == 0, "tsq: \(ours.stdout)\(ours.stderr)")
        let count = try DashboardFiles.targets().count
        #expect(ours.stdout.contains("\(count) rules"), "tsq: \(ours.stdout)")
        guard TSQPeers.havePrometheus else { return }
        let promtool = try await runCommandDetached(URL(fileURLWithPath: TSQPeers.promtool), ["check", "rules", path])
        #expect(promtool.status == 0, "promtool: \(promtool.stdout)\(promtool.stderr)")
        #expect(promtool.stdout.contains("\(count) rules found"), "promtool: \(promtool.stdout)")
    }

    @Test("deploy/grafana provisions a Prometheus datasource at metricsd and a provider for dashboards/")
    func provisioning() throws {
        let grafana = DashboardFiles.root.appendingPathComponent("deploy/grafana")
        let datasources = try #require(try Yams.load(yaml: String(contentsOf: grafana.appendingPathComponent("datasources.yaml"), encoding: .utf8)) as? [String: Any])
        let source = try #require((datasources["datasources"] as? [[String: Any]])?.first)
        #expect(source["type"] as? String == "prometheus")
        #expect((source["url"] as? String)?.hasSuffix(":9090") == true)
        let providers = try #require(try Yams.load(yaml: String(contentsOf: grafana.appendingPathComponent("dashboards.yaml"), encoding: .utf8)) as? [String: Any])
        let provider = try #require((providers["providers"] as? [[String: Any]])?.first)
        #expect(provider["type"] as? String == "file")
        #expect(((provider["options"] as? [String: Any])?["path"] as? String)?.isEmpty == false)
    }
}
