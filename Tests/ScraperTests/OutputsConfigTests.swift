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
        #expect(config.alerting.alertmanagers.first?.discovery.staticConfigs.first?.targets == ["127.0.0.1:9093"])
        #expect(config.alerting.alertmanagers.first?.timeout == .seconds(5))
        #expect(config.alerting.alertmanagers.first?.apiVersion == "v2")
        let remote = try #require(config.remoteWrite.first)
        #expect(remote.queue.maxShards == 10 && remote.queue.capacity == 10_000)
        #expect(remote.remoteTimeout == .seconds(30))
        #expect(remote.http.basicAuth?.username == "u")
        #expect(remote.metadata == RemoteWriteConfig.MetadataConfig(), "metadata_config defaults: send every 1m, 2000 per request")
        #expect(remote.metadata.send && remote.metadata.sendInterval == .seconds(60) && remote.metadata.maxSamplesPerSend == 2_000)
        #expect(remote.queue.sampleAgeLimit == .seconds(0) && remote.queue.minShards == 1 && remote.queue.maxSamplesPerSend == 2_000)
    }

    @Test("remote_write urls and external label values expand $(NAME) and ${NAME} from the environment; an unset one fails the load")
    func environmentExpansion() throws {
        let yaml = """
            global: {external_labels: {cluster: toolboxai, replica: '$(POD_NAME)'}}
            remote_write: [{url: '${REMOTE_WRITE_URL}'}]
            """
        let config = try PrometheusConfig.load(yaml: yaml, environment: ["POD_NAME": "metricsd-x7k2p", "REMOTE_WRITE_URL": "http://vminsert:8480/insert/0/prometheus/api/v1/write"])
        #expect(config.global.externalLabels == ["cluster": "toolboxai", "replica": "metricsd-x7k2p"])
        #expect(config.remoteWrite.first?.url == "http://vminsert:8480/insert/0/prometheus/api/v1/write")
        #expect(throws: ConfigError.self) { try PrometheusConfig.load(yaml: yaml, environment: ["POD_NAME": "p"]) }
    }

    @Test("remote_write's metadata_config, send_exemplars, sample_age_limit and protobuf_message are read")
    func remoteWriteOptions() throws {
        let config = try PrometheusConfig.load(yaml: """
            remote_write:
            - url: http://vminsert:8480/insert/0/prometheus/api/v1/write
              send_exemplars: true
              protobuf_message: prometheus.WriteRequest
              metadata_config: {send: false, send_interval: 30s, max_samples_per_send: 500}
              queue_config: {sample_age_limit: 10m, min_shards: 2}
            """)
        let remote = try #require(config.remoteWrite.first)
        #expect(remote.sendExemplars)
        #expect(!remote.metadata.send && remote.metadata.sendInterval == .seconds(30) && remote.metadata.maxSamplesPerSend == 500)
        #expect(remote.queue.sampleAgeLimit == .seconds(600) && remote.queue.minShards == 2)
    }

    @Test("remote_read loads with Prometheus's defaults, its own settings, and paths relative to the file")
    func remoteRead() throws {
        let config = try PrometheusConfig.load(yaml: """
            remote_read:
            - url: http://thanos:10901/api/v1/read
            - url: https://central/api/v1/read
              name: central
              remote_timeout: 10s
              read_recent: true
              filter_external_labels: false
              required_matchers: {tier: long}
              headers: {X-Scope-OrgID: platform}
              tls_config: {ca_file: ca.pem}
            """).resolvingPaths(relativeTo: "/etc/metricsd")
        let plain = try #require(config.remoteRead.first)
        #expect(plain.name == "" && plain.remoteTimeout == .seconds(60) && !plain.readRecent && plain.filterExternalLabels && plain.requiredMatchers.isEmpty)
        let central = config.remoteRead[1]
        #expect(central.name == "central" && central.remoteTimeout == .seconds(10) && central.readRecent && !central.filterExternalLabels)
        #expect(central.requiredMatchers == ["tier": "long"] && central.headers == ["X-Scope-OrgID": "platform"])
        #expect(central.http.tlsConfig.caFile == "/etc/metricsd/ca.pem")
    }

    @Test("the discovery block decodes and checks alike under a scrape config and an Alertmanager config")
    func sharedDiscoveryBlock() throws {
        // The same keys, as a flow mapping's entries, in both places.
        let block = "static_configs: [{targets: ['a:1'], labels: {zone: x}}], "
            + "file_sd_configs: [{files: [targets/*.json], refresh_interval: 1m}], "
            + "kubernetes_sd_configs: [{role: pod, api_server: 'https://k8s:6443', bearer_token_file: token}], "
            + "authorization: {credentials_file: secret}, tls_config: {ca_file: ca.pem}"
        let config = try PrometheusConfig.load(yaml: """
            scrape_configs: [{job_name: j, \(block)}]
            alerting: {alertmanagers: [{\(block)}]}
            """)
        let scrape = try #require(config.scrapeConfigs.first?.discovery)
        let alertmanager = try #require(config.alerting.alertmanagers.first?.discovery)
        #expect(scrape == alertmanager)
        #expect(scrape.fileSDConfigs.first?.refreshInterval == .seconds(60))
        #expect(scrape.kubernetesSDConfigs.first?.http.authorization?.credentialsFile == "token")
        #expect(scrape.http.authorization?.credentialsFile == "secret")
        // An unknown key inside the block is refused in both places, with its line.
        for (yaml, line) in [("scrape_configs:\n- job_name: j\n  file_sd_configs: [{files: [a.json], refresh: 1m}]\n", 3),
                             ("alerting:\n  alertmanagers:\n  - file_sd_configs: [{files: [a.json], refresh: 1m}]\n", 3)] {
            #expect(throws: ConfigError.self) { try PrometheusConfig.load(yaml: yaml) }
            do { _ = try PrometheusConfig.load(yaml: yaml) } catch {
                #expect(error.description.contains("line \(line): field refresh not found in"), "\(error)")
            }
        }
    }

    @Test("invalid outputs are refused with the reason", arguments: [
        ("remote_write: [{url: 'not a url'}]", "invalid remote_write URL"),
        ("remote_write: [{name: x}]", "url"),
        ("remote_write: [{url: 'http://a/w', headers: {Authorization: x}}]", "reserved header"),
        ("remote_write: [{url: 'http://a/w', queue_config: {min_shards: 5, max_shards: 2}}]", "min_shards"),
        ("remote_write: [{url: 'http://a/w', queue_config: {max_shard: 2}}]", "field max_shard not found"),
        ("remote_write: [{url: 'http://a/w', name: n}, {url: 'http://b/w', name: n}]", "multiple remote write"),
        ("remote_write: [{url: 'http://a/w', protobuf_message: io.prometheus.write.v2.Request}]", "remote write 1.0"),
        ("remote_write: [{url: 'http://a/w', metadata_config: {send_interval: 0s}}]", "send_interval must be positive"),
        ("remote_write: [{url: 'http://a/w', oauth2: {client_id: a, token_url: 'http://t'}, basic_auth: {username: u}}]", "at most one of basic_auth, oauth2"),
        ("remote_write: [{url: 'http://a/w', oauth2: {token_url: 'http://t'}}]", "client_id must be configured"),
        ("remote_write: [{url: 'http://a/w', oauth2: {client_id: a, token_url: 'http://t', client_secret: x, client_secret_file: f}}]", "at most one of oauth2 client_secret"),
        ("remote_write: [{url: 'http://a/w', oauth2: {client_id: a, token_url: 'http://t', scope: x}}]", "field scope not found"),
        ("remote_write: [{url: 'http://a/w', metadata_config: {interval: 1m}}]", "field interval not found"),
        ("remote_read: [{name: x}]", "url for remote_read is empty"),
        ("remote_read: [{url: 'ftp://a/r'}]", "invalid remote_read URL"),
        ("remote_read: [{url: 'http://a/r', headers: {User-Agent: x}}]", "reserved header"),
        ("remote_read: [{url: 'http://a/r', name: n}, {url: 'http://b/r', name: n}]", "multiple remote read"),
        ("remote_read: [{url: 'http://a/r', read_recnt: true}]", "field read_recnt not found"),
        ("remote_read: [{url: 'http://a/r', remote_timeout: 0s}]", "remote_timeout must be positive"),
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
