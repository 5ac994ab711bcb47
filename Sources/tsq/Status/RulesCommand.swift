import ArgumentParser
import Terminal

/// `tsq rules`: the rule groups a server evaluates (`list`, the default), and `backtest`.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List a server's rules and their health, or backtest a rule file over stored history.",
        subcommands: [RulesList.self, RulesBacktest.self], defaultSubcommand: RulesList.self)
}

/// `tsq rules [list]`: the rule groups a server evaluates, with each rule's health.
struct RulesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List recording and alerting rules and their health.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let output = self.output
        try await connection.withAPI { api in
            let reply = try await api.call("/api/v1/rules")
            if output.format == .json { return Console.printRaw(reply.rawData) }
            var rows: [[String]] = []
            for group in (reply.data as? [String: Any])?["groups"] as? [[String: Any]] ?? [] {
                for rule in group["rules"] as? [[String: Any]] ?? [] {
                    rows.append([
                        group["name"] as? String ?? "", rule["name"] as? String ?? "", rule["type"] as? String ?? "",
                        rule["health"] as? String ?? "", rule["lastEvaluation"] as? String ?? "", rule["query"] as? String ?? "",
                    ])
                }
            }
            if rows.isEmpty { return Console.note("no rules") }
            var table = TextTable(headers: ["GROUP", "RULE", "TYPE", "HEALTH", "LAST EVALUATION", "QUERY"])
            for row in output.limited(rows, noun: "rules") { table.append(row) }
            Console.print(table.render())
        }
    }
}

/// `tsq alerts`: the alerts pending or firing now.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List pending and firing alerts.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let output = self.output
        try await connection.withAPI { api in
            let reply = try await api.call("/api/v1/alerts")
            if output.format == .json { return Console.printRaw(reply.rawData) }
            let alerts = (reply.data as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
            if alerts.isEmpty { return Console.note("no alerts") }
            var table = TextTable(headers: ["ALERT", "STATE", "LABELS", "ACTIVE SINCE", "VALUE"])
            for alert in output.limited(alerts, noun: "alerts") {
                let labels = (alert["labels"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                table.append([
                    labels.first { $0.0 == "alertname" }?.1 ?? "", alert["state"] as? String ?? "",
                    ResultSeries.text(labels.filter { $0.0 != "alertname" }), alert["activeAt"] as? String ?? "", alert["value"] as? String ?? "",
                ])
            }
            Console.print(table.render())
        }
    }
}
