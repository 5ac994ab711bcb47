import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Issue 18: secrets written in the configuration, or in files it names, never appear in metricsd's
/// log, its API answers or its error messages. Each secret is a distinct random string, planted in
/// every place the configuration takes one, and every output is searched for all of them.
@Suite("metricsd never shows a configured secret", .serialized)
struct SecretLeakTests {
    @Test("passwords, tokens, client secrets and credential files' contents stay out of logs, /status/config, /targets and errors")
    func plantedSecrets() async throws {
        let store = try DataSafetyTests.Store()
        func secret(_ name: String) -> String { "PLANTED-\(name)-\(UInt64.random(in: 0...UInt64.max))" }
        let secrets = ["password", "credentials", "bearer", "oauth", "remote", "file", "alertmanager"].map(secret)
        let tokenFile = store.directory.appendingPathComponent("token")
        try secrets[5].write(to: tokenFile, atomically: true, encoding: .utf8)
        let dead = ServerProcess.freePort()
        let config = """
            scrape_configs:
              - job_name: basic
                scrape_interval: 1s
                static_configs: [{targets: ['127.0.0.1:\(dead)']}]
                basic_auth: {username: u, password: \(secrets[0])}
              - job_name: authorization
                scrape_interval: 1s
                static_configs: [{targets: ['127.0.0.1:\(dead)']}]
                authorization: {credentials: \(secrets[1])}
              - job_name: bearer
                scrape_interval: 1s
                static_configs: [{targets: ['127.0.0.1:\(dead)']}]
                bearer_token: \(secrets[2])
              - job_name: file
                scrape_interval: 1s
                static_configs: [{targets: ['127.0.0.1:\(dead)']}]
                authorization: {credentials_file: \(tokenFile.path)}
            remote_write:
              - url: http://127.0.0.1:\(dead)/api/v1/write
                basic_auth: {username: u, password: \(secrets[4])}
              - url: http://127.0.0.1:\(dead)/api/v1/write?second
                oauth2: {client_id: c, client_secret: \(secrets[3]), token_url: 'http://127.0.0.1:\(dead)/token'}
            alerting:
              alertmanagers:
                - static_configs: [{targets: ['127.0.0.1:\(dead)']}]
                  basic_auth: {username: u, password: \(secrets[6])}
            """
        let server = try await DataSafetyTests.start(store, config: config, arguments: ["--web.enable-lifecycle", "--log.level", "debug"])
        defer { server.process.stop() }
        // Let scrapes, remote writes and token requests fail a few times, so their errors are logged.
        try await Task.sleep(for: .seconds(4))
        var outputs: [(String, String)] = []
        for path in ["/api/v1/status/config", "/api/v1/targets", "/api/v1/status/flags", "/api/v1/status/runtimeinfo", "/metrics",
                     "/api/v1/alertmanagers", "/api/v1/targets/metadata", "/api/v1/scrape_pools"] {
            outputs.append((path, await httpGet(server.base + path)?.1 ?? ""))
        }
        // A reload whose file has a syntax error on a secret's line: the error must not quote it.
        let file = store.directory.appendingPathComponent("prometheus.yml")
        try config.replacingOccurrences(of: "password: \(secrets[0])}", with: "password: [\(secrets[0])}").write(to: file, atomically: true, encoding: .utf8)
        outputs.append(("/-/reload", await httpPost(server.base + "/-/reload")?.1 ?? ""))
        let check = try runProcess(ServerProcess.binary("tsq"), ["check", "config", file.path])
        outputs.append(("tsq check config", check.output))
        outputs.append(("log", server.process.log()))

        #expect(outputs.first { $0.0 == "/api/v1/status/config" }?.1.contains("<secret>") == true)
        #expect(outputs.first { $0.0 == "/-/reload" }?.1.contains("failed to reload config") == true)
        for (name, text) in outputs {
            for planted in secrets {
                #expect(!text.contains(planted), "\(name) shows \(planted.split(separator: "-")[1]): …\(Self.around(planted, in: text))…")
            }
        }
    }

    /// The text near the first occurrence of `needle`, for the failure message.
    static func around(_ needle: String, in text: String) -> String {
        guard let range = text.range(of: needle) else { return "" }
        let start = text.index(range.lowerBound, offsetBy: -80, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(range.upperBound, offsetBy: 40, limitedBy: text.endIndex) ?? text.endIndex
        return String(text[start..<end])
    }
}
