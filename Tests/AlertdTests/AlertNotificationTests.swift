import Config
import Foundation
import Logging
import MetricsModel
import PromQL
import Scraper
import Testing
import Yams

@testable import alertd
@testable import RuleFiles

@Suite("Alerts handed to Alertmanager")
struct AlertNotificationTests {
    static func rule(_ yaml: String) throws -> AlertingRule {
        let (file, errors) = RuleFile.parse(yaml, path: "r.yml")
        try #require(errors.isEmpty, "\(errors)")
        return try AlertingRule(try #require(file?.groups.first?.rules.first), groupLabels: [:])
    }

    static let highLatency = """
        groups:
          - name: g
            rules:
              - alert: HighLatency
                expr: latency > 1
                labels: {severity: page}
                annotations: {summary: "{{ $labels.route }} at {{ $value }}s"}
        """

    @Test("firing alerts go at once and again after the resend delay; a resolution goes once, pending ones never")
    func resend() throws {
        var rule = try Self.rule(Self.highLatency)
        let series = Labels(["__name__": "latency", "route": "/api"])
        _ = rule.step([(series, 2)], at: 0)
        let first = rule.alertsToSend(at: 0, resendDelay: 60_000, interval: 15_000)
        #expect(first.count == 1)
        #expect(first.first?.validUntil == 240_000, "four resend delays, as the resend delay is longer than the interval")
        _ = rule.step([(series, 2)], at: 15_000)
        #expect(rule.alertsToSend(at: 15_000, resendDelay: 60_000, interval: 15_000).isEmpty)
        _ = rule.step([(series, 2)], at: 75_000)
        #expect(rule.alertsToSend(at: 75_000, resendDelay: 60_000, interval: 15_000).count == 1, "more than the resend delay since the last send")
        _ = rule.step([], at: 90_000)
        let resolved = try #require(rule.alertsToSend(at: 90_000, resendDelay: 60_000, interval: 15_000).first)
        #expect(resolved.state == .inactive && resolved.resolvedAt == 90_000)
        let notification = NotificationAlert(resolved, expr: "latency > 1", externalURL: "http://metrics:9090/")
        #expect(notification.startsAt == 0)
        #expect(notification.endsAt == 90_000)
        #expect(notification.generatorURL == "http://metrics:9090/graph?g0.expr=latency+%3E+1&g0.tab=1")
        #expect(rule.alertsToSend(at: 105_000, resendDelay: 60_000, interval: 15_000).isEmpty)

        var pending = try Self.rule("""
            groups:
              - name: g
                rules:
                  - alert: HighLatency
                    expr: latency > 1
                    for: 5m
            """)
        _ = pending.step([(series, 2)], at: 0)
        #expect(pending.alertsToSend(at: 0, resendDelay: 60_000, interval: 15_000).isEmpty)
    }

    @Test("the request body is Alertmanager's API v2 alert list")
    func body() throws {
        let alert = NotificationAlert(
            labels: Labels(["alertname": "Down", "job": "api"]), annotations: ["summary": "api is down"], startsAt: 1_796_000_000_000,
            endsAt: 1_796_000_240_500, generatorURL: "http://m:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1")
        let parsed = try #require(try JSONSerialization.jsonObject(with: NotificationAlert.body([alert])) as? [[String: Any]])
        #expect(parsed.count == 1)
        #expect(parsed[0]["labels"] as? [String: String] == ["alertname": "Down", "job": "api"])
        #expect(parsed[0]["annotations"] as? [String: String] == ["summary": "api is down"])
        #expect(parsed[0]["startsAt"] as? String == "2026-11-30T00:53:20.000Z")
        #expect(parsed[0]["endsAt"] as? String == "2026-11-30T00:57:20.500Z")
        #expect(parsed[0]["generatorURL"] as? String == "http://m:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1")
    }

    @Test("Alertmanager URLs: path_prefix, scheme, relabeling that rewrites or drops")
    func alertmanagerURLs() throws {
        let yaml = """
            scheme: https
            path_prefix: /am/
            relabel_configs:
              - {source_labels: [zone], regex: drop, action: drop}
              - {source_labels: [__address__], regex: '(.*):9093', target_label: __address__, replacement: '$1:19093'}
            """
        let config = try YAMLDecoder().decode(AlertmanagerConfig.self, from: yaml)
        let groups = [
            TargetGroup(source: "0", labels: ["zone": "keep"], targets: [["__address__": "a:9093"], ["__address__": "b:9093"]]),
            TargetGroup(source: "1", labels: ["zone": "drop"], targets: [["__address__": "c:9093"]]),
        ]
        let urls = AlertmanagerSet.urls(groups, config: config)
        #expect(urls.active == ["https://a:19093/am/api/v2/alerts", "https://b:19093/am/api/v2/alerts"])
        #expect(urls.dropped == ["https://c:9093/am/api/v2/alerts"])
        #expect(AlertmanagerSet.alertsPath("") == "/api/v2/alerts")
    }
}

@Suite("Notification queue")
struct NotificationQueueTests {
    @Test("a full queue drops the oldest alerts and counts them; nothing is queued without Alertmanagers")
    func overflow() async throws {
        let notifier = Notifier(capacity: 3, logger: Logger(label: "test"))
        let alerts = (0..<5).map { index in
            NotificationAlert(labels: Labels(["alertname": "A\(index)"]), annotations: [:], startsAt: 0, endsAt: nil, generatorURL: "")
        }
        notifier.send(alerts)
        #expect(notifier.renderMetrics().contains("prometheus_notifications_queue_length 0"), "no Alertmanager configured: nothing to queue")

        var config = PrometheusConfig()
        config.alerting = try YAMLDecoder().decode(AlertingConfig.self, from: "alertmanagers: [{static_configs: [{targets: ['127.0.0.1:1']}]}]")
        await notifier.apply(config)
        notifier.send(alerts)
        let metrics = notifier.renderMetrics()
        #expect(metrics.contains("prometheus_notifications_queue_length 3"))
        #expect(metrics.contains("prometheus_notifications_dropped_total 2"))
        #expect(metrics.contains("prometheus_notifications_queue_capacity 3"))
    }
}
