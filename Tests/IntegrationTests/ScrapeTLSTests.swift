import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Scrapes over TLS against an exporter with a CA made in the test: `ca_file`, `insecure_skip_verify`,
/// a CA and server certificate rotated on disk while metricsd runs (no reload), and `server_name`.
@Suite("metricsd scraping over TLS", .serialized)
struct ScrapeTLSTests {
    /// A one-metric HTTPS exporter in Python, serving `cert`/`key`. Its metric's labels say which
    /// TLS server name (SNI) the client sent and which `Host` header.
    static func exporter(port: Int, cert: String, key: String) throws -> ServerProcess {
        let script = """
            import http.server, ssl
            seen = {'sni': ''}
            def remember(sock, name, context): seen['sni'] = name or ''
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ('tls_metric{sni="%s",host="%s"} 1\\n' % (seen['sni'], self.headers.get('Host', ''))).encode()
                    self.send_response(200)
                    self.send_header('Content-Type', 'text/plain; version=0.0.4')
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args): pass
            server = http.server.HTTPServer(('127.0.0.1', \(port)), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain('\(cert)', '\(key)')
            context.sni_callback = remember
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.serve_forever()
            """
        return try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/python3"), arguments: ["-c", script])
    }

    /// A CA named `name` and a server certificate for `subjectAltName` (127.0.0.1 by default) it signs.
    static func makeCA(_ name: String, in directory: URL, subjectAltName: String = "IP:127.0.0.1") throws {
        let script = """
            set -e
            cd '\(directory.path)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout \(name)-ca.key -out \(name)-ca.crt -days 2 -subj /CN=\(name)-ca
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout \(name)-server.key -out \(name)-server.csr -subj /CN=exporter
            printf 'subjectAltName=\(subjectAltName)\\n' > san.ext
            openssl x509 -req -in \(name)-server.csr -CA \(name)-ca.crt -CAkey \(name)-ca.key -CAcreateserial -out \(name)-server.crt -days 2 -extfile san.ext
            """
        guard try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script]).status == 0 else { throw POSIXError(.EIO) }
    }

    static func health(_ base: String) async -> [String: String] {
        guard let (_, body) = await httpGet(base + "/api/v1/targets"),
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let active = (json["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]
        else { return [:] }
        return Dictionary(active.map { ($0["scrapePool"] as? String ?? "", $0["health"] as? String ?? "") }) { first, _ in first }
    }

    @Test("ca_file verifies, insecure_skip_verify skips, no CA fails; a rotated CA and certificate are used without a reload",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"))
    func tlsScrapes() async throws {
        let store = try DataSafetyTests.Store()
        let directory = store.directory
        try Self.makeCA("first", in: directory)
        try Self.makeCA("second", in: directory)
        let ca = directory.appendingPathComponent("ca.crt")
        try FileManager.default.copyItem(at: directory.appendingPathComponent("first-ca.crt"), to: ca)
        let port = ServerProcess.freePort()
        var exporter = try Self.exporter(port: port, cert: directory.appendingPathComponent("first-server.crt").path,
                                         key: directory.appendingPathComponent("first-server.key").path)
        func job(_ name: String, _ tls: String) -> String {
            "  - job_name: \(name)\n    scheme: https\n    scrape_interval: 1s\n    scrape_timeout: 1s\n"
                + "    static_configs: [{targets: ['127.0.0.1:\(port)']}]\n    tls_config: \(tls)\n"
        }
        let config = "scrape_configs:\n" + job("verified", "{ca_file: \(ca.path)}") + job("skipped", "{insecure_skip_verify: true}")
            + job("unverified", "{}")
        let server = try await DataSafetyTests.start(store, config: config)
        defer { server.process.stop() }
        let first = await eventually(within: 20) {
            await Self.health(server.base) == ["verified": "up", "skipped": "up", "unverified": "down"]
        }
        let afterStart = await Self.health(server.base)
        #expect(first, "\(afterStart)")

        // Rotate: the exporter now serves a certificate of the second CA, and ca.crt is that CA.
        exporter.stop()
        exporter = try Self.exporter(port: port, cert: directory.appendingPathComponent("second-server.crt").path,
                                     key: directory.appendingPathComponent("second-server.key").path)
        defer { exporter.stop() }
        let brokenByRotation = await eventually(within: 20) { await Self.health(server.base)["verified"] == "down" }
        #expect(brokenByRotation, "the old CA must refuse the new certificate")
        try FileManager.default.removeItem(at: ca)
        try FileManager.default.copyItem(at: directory.appendingPathComponent("second-ca.crt"), to: ca)
        let rotated = await eventually(within: 20) { await Self.health(server.base)["verified"] == "up" }
        let afterRotation = await Self.health(server.base)
        #expect(rotated, "the rotated CA file is read without a reload: \(afterRotation)")
        #expect(await Self.health(server.base)["skipped"] == "up")
    }

    @Test("server_name is sent as SNI and checked against the certificate; Host stays the target's address",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"))
    func serverName() async throws {
        let store = try DataSafetyTests.Store()
        let directory = store.directory
        try Self.makeCA("named", in: directory, subjectAltName: "DNS:exporter.internal")
        let port = ServerProcess.freePort()
        let exporter = try Self.exporter(port: port, cert: directory.appendingPathComponent("named-server.crt").path,
                                         key: directory.appendingPathComponent("named-server.key").path)
        defer { exporter.stop() }
        let ca = directory.appendingPathComponent("named-ca.crt").path
        func job(_ name: String, _ serverName: String?) -> String {
            "  - job_name: \(name)\n    scheme: https\n    scrape_interval: 1s\n    scrape_timeout: 1s\n"
                + "    static_configs: [{targets: ['127.0.0.1:\(port)']}]\n"
                + "    tls_config: {ca_file: \(ca)\(serverName.map { ", server_name: \($0)" } ?? "")}\n"
        }
        let config = "scrape_configs:\n" + job("named", "exporter.internal") + job("unnamed", nil) + job("misnamed", "other.internal")
        let server = try await DataSafetyTests.start(store, config: config)
        defer { server.process.stop() }
        let expected = ["named": "up", "unnamed": "down", "misnamed": "down"]
        let settled = await eventually(within: 20) { await Self.health(server.base) == expected }
        let health = await Self.health(server.base)
        #expect(settled, "the certificate names only exporter.internal: \(health)")
        let seen = await DataSafetyTests.values(
            server.base, "tls_metric{job=\"named\", sni=\"exporter.internal\", host=\"127.0.0.1:\(port)\"}")
        #expect(seen == [1], "the exporter saw SNI exporter.internal and Host 127.0.0.1:\(port)")
    }
}
