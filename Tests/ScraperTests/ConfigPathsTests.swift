import Config
import Foundation
import Testing
import TestSupport

@testable import Scraper

@Suite("Configuration paths")
struct ConfigPathsTests {
    static let yaml = """
        rule_files: ['rules/*.yml', '/etc/abs.yml']
        scrape_configs:
          - job_name: files
            file_sd_configs:
              - files: ['targets/*.json', '/abs/targets.yml']
            basic_auth: {username: u, password_file: secrets/password}
            tls_config: {ca_file: tls/ca.pem, cert_file: tls/cert.pem, key_file: /abs/key.pem}
          - job_name: bearer
            bearer_token_file: token
            static_configs: [{targets: ['127.0.0.1:1']}]
        alerting:
          alertmanagers:
            - file_sd_configs: [{files: ['am/*.json']}]
              authorization: {credentials_file: am/credentials}
        remote_write:
          - url: http://127.0.0.1:1/write
            tls_config: {ca_file: rw/ca.pem}
        """

    @Test("every relative path resolves against the config file's directory, absolute ones stay")
    func relativeToConfigFile() throws {
        let directory = try makeTemporaryDirectory("config")
        defer { removeTemporaryDirectory(directory) }
        let file = directory.appendingPathComponent("prometheus.yml")
        try Self.yaml.write(to: file, atomically: true, encoding: .utf8)
        let config = try PrometheusConfig.load(file: file.path)
        let base = directory.path
        #expect(config.ruleFiles == [base + "/rules/*.yml", "/etc/abs.yml"])
        let files = try #require(config.scrapeConfigs.first)
        #expect(files.discovery.fileSDConfigs.first?.files == [base + "/targets/*.json", "/abs/targets.yml"])
        #expect(files.discovery.http.basicAuth?.passwordFile == base + "/secrets/password")
        #expect(files.discovery.http.tlsConfig.caFile == base + "/tls/ca.pem")
        #expect(files.discovery.http.tlsConfig.certFile == base + "/tls/cert.pem")
        #expect(files.discovery.http.tlsConfig.keyFile == "/abs/key.pem")
        #expect(config.scrapeConfigs.last?.discovery.http.authorization?.credentialsFile == base + "/token")
        #expect(config.alerting.alertmanagers.first?.discovery.fileSDConfigs.first?.files == [base + "/am/*.json"])
        #expect(config.alerting.alertmanagers.first?.discovery.http.authorization?.credentialsFile == base + "/am/credentials")
        #expect(config.remoteWrite.first?.http.tlsConfig.caFile == base + "/rw/ca.pem")
    }

    @Test("file discovery started from another working directory finds a relative file next to the config")
    func fileDiscoveryFromElsewhere() async throws {
        let directory = try makeTemporaryDirectory("config")
        defer { removeTemporaryDirectory(directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("targets"), withIntermediateDirectories: true)
        try #"[{"targets": ["10.0.0.1:9100"], "labels": {"team": "a"}}]"#
            .write(to: directory.appendingPathComponent("targets/a.json"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("prometheus.yml")
        try "scrape_configs:\n  - job_name: f\n    file_sd_configs: [{files: ['targets/*.json']}]\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try PrometheusConfig.load(file: file.path)
        let paths = try #require(config.scrapeConfigs.first?.discovery.fileSDConfigs.first?.files).flatMap(FileDiscovery.expand)
        #expect(paths == [directory.path + "/targets/a.json"])
        #expect(try FileDiscovery.read(paths[0]).first?.targets.count == 1)
    }

    @Test("the directory of a config file", arguments: [("prometheus.yml", "."), ("/prometheus.yml", "/"), ("a/b/p.yml", "a/b"), ("/etc/p/p.yml", "/etc/p")])
    func directoryOf(file: String, directory: String) {
        #expect(PrometheusConfig.directory(of: file) == directory)
    }
}
