import Foundation
import HummingbirdBcrypt
import Testing
import ServerTestSupport
import TestSupport

/// `--web.config.file` against real clients: curl, promtool 2.42 and the Python client, over TLS
/// with client certificates and bcrypt basic authentication made in the test.
@Suite("metricsd --web.config.file: TLS, client certificates, basic auth", .serialized)
struct WebConfigTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
    struct Certificates {
        let directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        init(in directory: URL) throws {
            self.directory = directory
            let script = """
                set -e
                cd '\(directory.path)'
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=localhost
                printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext
                openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj /CN=grafana-client
                openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout rogue.key -out rogue.crt -days 2 -subj /CN=rogue
                """
            let made = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script])
            guard made.status == 0 else { throw POSIXError(.EIO) }
        }
    }

    static let password = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
    static var opensslAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    /// Starts metricsd with `web` as its web configuration and waits until curl gets an answer.
    static func start(_ store: DataSafetyTests.Store, web: String, certificates: Certificates, arguments: [String] = []) async throws -> (ServerProcess, Int) {
        let port = ServerProcess.freePort()
        let webFile = store.directory.appendingPathComponent("web.yml")
        try web.write(to: webFile, atomically: true, encoding: .utf8)
        let config = store.directory.appendingPathComponent("prometheus.yml")
        try "scrape_configs: []\n".write(to: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess("metricsd", arguments: [
            "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", store.data,
            "--web.config.file", webFile.path,
        ] + arguments)
        let ready = await eventually(within: 20) {
            (try? Self.curl(certificates, port: port, path: "/-/ready", user: "alice:\(Self.password)", clientCertificate: true).status) == 0
        }
        #expect(ready, "metricsd did not answer over TLS: \(server.log().suffix(1500))")
        return (server, port)
    }

    /// `curl` over TLS trusting the test CA; returns its exit status and its output (headers and body).
    static func curl(_ certificates: Certificates, port: Int, path: String, user: String?, clientCertificate: Bool, rogue: Bool = false,
                     method: String = "GET") throws -> (status: Int32, output: String) {
        var arguments = ["-s", "-i", "--max-time", "10", "--cacert", certificates.path("ca.crt"), "-X", method]
        if let user { arguments += ["-u", user] }
        if clientCertificate {
            let name = rogue ? "rogue" : "client"
            arguments += ["--cert", certificates.path("\(name).crt"), "--key", certificates.path("\(name).key")]
        }
        return try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), arguments + ["https://127.0.0.1:\(port)\(path)"])
    }

    static func webConfig(_ certificates: Certificates, clientAuth: String?) -> String {
        let hash = Bcrypt.hash(password, cost: 10)
        var text = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        if let clientAuth { text += "  client_auth_type: \(clientAuth)\n  client_ca_file: \(certificates.path("ca.crt"))\n" }
        text += "http_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  alice: \(hash)\n"
        return text
    }

    @Test("TLS with required client certificates and basic auth: curl and the Python client pass with both, and are refused without either",
          .enabled(if: opensslAvailable, "openssl is not installed"))
    func clientCertificatesAndBasicAuth() async throws {
        let store = try DataSafetyTests.Store()
        let certificates = try Certificates(in: store.directory)
        // Relative certificate paths resolve against the web configuration's directory.
        let (server, port) = try await Self.start(store, web: Self.webConfig(certificates, clientAuth: "RequireAndVerifyClientCert"), certificates: certificates)
        defer { server.stop() }

        let good = try Self.curl(certificates, port: port, path: "/api/v1/query?query=vector(7)", user: "alice:\(Self.password)", clientCertificate: true)
        #expect(good.output.hasPrefix("HTTP/1.1 200"), "\(good.output)")
        #expect(good.output.contains(#""result":["#) && good.output.contains(#""7"]"#))
        #expect(good.output.lowercased().contains("x-frame-options: deny"))

        for (path, user) in [("/api/v1/query?query=1", "alice:wrong"), ("/-/healthy", nil), ("/-/ready", "bob:\(Self.password)"), ("/metrics", nil)] {
            let refused = try Self.curl(certificates, port: port, path: path, user: user, clientCertificate: true)
            #expect(refused.output.hasPrefix("HTTP/1.1 401"), "\(path) \(user ?? "-"): \(refused.output.prefix(200))")
            #expect(refused.output.lowercased().contains("www-authenticate: basic"))
        }
        // Without a client certificate, or with one the CA did not sign, the handshake fails.
        let noCertificate = try Self.curl(certificates, port: port, path: "/-/healthy", user: "alice:\(Self.password)", clientCertificate: false)
        #expect(noCertificate.status != 0 && !noCertificate.output.contains("HTTP/1.1"), "\(noCertificate)")
        let rogue = try Self.curl(certificates, port: port, path: "/-/healthy", user: "alice:\(Self.password)", clientCertificate: true, rogue: true)
        #expect(rogue.status != 0 && !rogue.output.contains("HTTP/1.1"), "\(rogue)")
        // Plain HTTP on the TLS port is answered as Go answers it, and the connection closed.
        let plain = await httpGet("http://127.0.0.1:\(port)/-/healthy")
        #expect(plain?.0 == 400 && plain?.1 == "Client sent an HTTP request to an HTTPS server.\n", "\(String(describing: plain))")

        let python = """
            import requests, sys
            from prometheus_api_client import PrometheusConnect
            session = requests.Session()
            session.verify = '\(certificates.path("ca.crt"))'
            session.cert = ('\(certificates.path("client.crt"))', '\(certificates.path("client.key"))')
            print(PrometheusConnect(url='https://127.0.0.1:\(port)', auth=('alice', '\(Self.password)'), session=session).custom_query('vector(7)'))
            try:
                PrometheusConnect(url='https://127.0.0.1:\(port)', auth=('alice', 'wrong'), session=session).custom_query('vector(7)')
            except Exception as error:
                print('refused', error)
            """
        if (try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import prometheus_api_client"]).status) == 0 {
            let run = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", python])
            #expect(run.status == 0 && run.output.contains("'value': [") && run.output.contains("'7']"), "\(run.output)")
            #expect(run.output.contains("refused HTTP Status Code 401"), "\(run.output)")
        }
    }

    @Test("the audit log has a JSON line per admin, lifecycle and write request and per refusal, with user and certificate subject",
          .enabled(if: opensslAvailable, "openssl is not installed"), arguments: [false, true])
    func auditLog(queries: Bool) async throws {
        let store = try DataSafetyTests.Store()
        let certificates = try Certificates(in: store.directory)
        let audit = store.directory.appendingPathComponent("audit.log")
        let (server, port) = try await Self.start(
            store, web: Self.webConfig(certificates, clientAuth: "RequireAndVerifyClientCert"), certificates: certificates,
            arguments: ["--web.audit-log", audit.path, "--web.enable-admin-api", "--web.enable-lifecycle", "--web.enable-remote-write-receiver"]
                + (queries ? ["--web.audit-log.queries"] : []))
        defer { server.stop() }
        let user = "alice:\(Self.password)"
        _ = try Self.curl(certificates, port: port, path: "/api/v1/query?query=1", user: user, clientCertificate: true)
        _ = try Self.curl(certificates, port: port, path: "/api/v1/query?query=1", user: "alice:wrong", clientCertificate: true)
        _ = try Self.curl(certificates, port: port, path: "/api/v1/admin/tsdb/snapshot", user: user, clientCertificate: true, method: "POST")
        _ = try Self.curl(certificates, port: port, path: "/-/reload", user: user, clientCertificate: true, method: "POST")
        _ = try Self.curl(certificates, port: port, path: "/api/v1/write", user: user, clientCertificate: true, method: "POST")
        let lines = try String(contentsOf: audit, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        // The readiness probes of `start` come first when queries are audited.
        let seen = lines.map { "\($0["kind"] ?? "") \($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" }.filter { !$0.contains("/-/ready") }
        let expected = (queries ? ["query GET /api/v1/query 200"] : []) + [
            "unauthorized GET /api/v1/query 401", "admin POST /api/v1/admin/tsdb/snapshot 200", "lifecycle POST /-/reload 200",
            "write POST /api/v1/write 400",
        ]
        #expect(seen == expected, "\(seen)")
        let admin = lines.first { $0["kind"] as? String == "admin" }
        #expect(admin?["user"] as? String == "alice")
        #expect(admin?["certificate"] as? String == "CN=grafana-client")
        #expect((admin?["client"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect((admin?["time"] as? String)?.hasSuffix("Z") == true && admin?["duration_seconds"] is Double)
        #expect(lines.first { $0["kind"] as? String == "unauthorized" }?["user"] == nil)
    }

    @Test("promtool 2.42 queries over TLS with basic auth (it has no --http.config.file: the CA comes from SSL_CERT_FILE, the user from the URL)",
          .enabled(if: opensslAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "openssl or promtool is not installed"))
    func promtool() async throws {
        let store = try DataSafetyTests.Store()
        let certificates = try Certificates(in: store.directory)
        let (server, port) = try await Self.start(store, web: Self.webConfig(certificates, clientAuth: nil), certificates: certificates)
        defer { server.stop() }
        func query(_ user: String) throws -> (status: Int32, output: String) {
            try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [
                "SSL_CERT_FILE=\(certificates.path("ca.crt"))", "promtool", "query", "instant", "https://\(user)@127.0.0.1:\(port)", "vector(7)",
            ])
        }
        let good = try query("alice:\(Self.password)")
        #expect(good.status == 0 && good.output.contains("=> 7 @"), "\(good.output)")
        let bad = try query("alice:wrong")
        #expect(bad.status != 0 && bad.output.contains("401"), "\(bad.output)")
    }

    @Test("web configurations promtool check web-config refuses, metricsd refuses too", arguments: [
        "tls_server_config:\n  cert_file: server.crt\n",
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Sometimes\n",
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n",
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS99\n",
        "http_server_config:\n  headers:\n    X-Custom: 1\n",
        "basic_auth_users:\n  alice: plaintext\n",
        "tls_config:\n  cert_file: server.crt\n",
    ])
    func refusedConfigs(web: String) async throws {
        let store = try DataSafetyTests.Store()
        let file = store.directory.appendingPathComponent("web.yml")
        try web.write(to: file, atomically: true, encoding: .utf8)
        let config = store.directory.appendingPathComponent("prometheus.yml")
        try "scrape_configs: []\n".write(to: config, atomically: true, encoding: .utf8)
        let ours = try runProcess(ServerProcess.binary("metricsd"), [
            "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(ServerProcess.freePort())", "--storage.tsdb.path", store.data,
            "--web.config.file", file.path,
        ])
        #expect(ours.status != 0 && ours.output.contains("--web.config.file"), "\(ours.output)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            let theirs = try runProcess(URL(fileURLWithPath: "/usr/bin/promtool"), ["check", "web-config", file.path])
            #expect(theirs.status != 0, "promtool accepted it: \(theirs.output)")
        }
    }
}
