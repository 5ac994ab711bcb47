import Foundation

/// The dashboards of `dashboards/` as the tests read them, and Grafana's variable substitution.
struct DashboardFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("dashboards")

    struct Target {
        let dashboard: String
        let panel: String
        let refID: String
        let expr: String
    }

    /// Every dashboard file, parsed.
    static func load() throws -> [(name: String, json: [String: Any])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: name])
            }
            return (name, json)
        }
    }

    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        ((dashboard["panels"] as? [[String: Any]]) ?? []).flatMap { panel in
            [panel] + ((panel["panels"] as? [[String: Any]]) ?? [])
        }
    }

    /// Every panel query of every dashboard.
    static func targets() throws -> [Target] {
        try load().flatMap { name, json in
            panels(json).filter { $0["type"] as? String != "row" }.flatMap { panel in
                ((panel["targets"] as? [[String: Any]]) ?? []).map { target in
                    Target(dashboard: name, panel: panel["title"] as? String ?? "?", refID: target["refId"] as? String ?? "?",
                           expr: target["expr"] as? String ?? "")
                }
            }
        }
    }

    /// The query as Grafana sends it with every variable at All (`.*`, the variables' allValue),
    /// `$__rate_interval` at four scrape intervals and `$__range` the dashboard's time range.
    static func substitute(_ expr: String, rateInterval: String, range: String) -> String {
        var text = expr.replacingOccurrences(of: "$__rate_interval", with: rateInterval).replacingOccurrences(of: "$__range", with: range)
        for name in ["namespace", "job", "instance", "handler"] {
            text = text.replacingOccurrences(of: "${\(name)}", with: ".*").replacingOccurrences(of: "$\(name)", with: ".*")
        }
        return text
    }
}
