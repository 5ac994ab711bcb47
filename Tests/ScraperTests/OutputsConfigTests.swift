import Config
import Testing

@testable import Scraper

/// `rule_files`, `alerting` and `remote_write` are read and checked now, for the work that uses them.
@Suite("rule_files, alerting and remote_write configuration")
struct OutputsConfigTests {
    @Test("a full configuration loads with Prometheus's defaults")
    func loads() throws {
        let config = try PrometheusConfig.load(yaml: """
            rule_files: [rules/*.yml, /etc/metricsd/alerts.yml]
            alerting:
              alertmanagers:
              - static_configs: [{targets: ['127.0.0.1:9093']}]
                timeout: 5s
              alert_relabel_configs: [{action: labeldrop, regex: replica}]
            remote_write:
            - url: http://mimir:9009/api/v1/push
              name: mimir
              headers: {X-Scope-OrgID: platform}
              queue_config: {max_shards: 10}
              write_relabel_configs: [{source_labels: [__name__], regex: 'go_.*', action: drop}]
              basic_auth: {username: u, password: p}
            """)
        #expect(config.ruleFiles == ["rules/*.yml", "/etc/metricsd/alerts.yml"])
        #expect(config.alerting.alertmanagers.first?.staticConfigs.first?.targets == ["127.0.0.1:9093"])
        #expect(config.alerting.alertmanagers.first?.timeout == .seconds(5))
        #expect(config.alerting.alertmanagers.first?.apiVersion == "v2")
        let remote = try #require(config.remoteWrite.first)
        #expect(remote.queue.maxShards == 10 && remote.queue.capacity == 10_000)
        #expect(remote.remoteTimeout == .seconds(30))
        #expect(remote.http.basicAuth?.username == "u")
    }

    @Test("invalid outputs are refused with the reason", arguments: [
        ("remote_write: [{url: 'not a url'}]", "invalid remote_write URL"),
        ("remote_write: [{name: x}]", "url"),
        ("remote_write: [{url: 'http://a/w', headers: {Authorization: x}}]", "reserved header"),
        ("remote_write: [{url: 'http://a/w', queue_config: {min_shards: 5, max_shards: 2}}]", "min_shards"),
        ("remote_write: [{url: 'http://a/w', queue_config: {max_shard: 2}}]", "field max_shard not found"),
        ("remote_write: [{url: 'http://a/w', name: n}, {url: 'http://b/w', name: n}]", "multiple remote write"),
        ("alerting: {alertmanagers: [{api_version: v1}]}", "api version"),
        ("alerting: {alertmanagers: [{scheme: ftp}]}", "unknown scheme"),
        ("rule_files: ['rules/[a.yml']", "invalid rule file path"),
    ])
    func invalid(_ yaml: String, _ message: String) {
        do {
            _ = try PrometheusConfig.load(yaml: yaml)
            Issue.record("loaded: \(yaml)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }
}
