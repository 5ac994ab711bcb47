import Foundation
import Yams

/// `--web.config.file` in Prometheus's exporter-toolkit format: TLS for the HTTP server, basic
/// authentication of every request, and extra response headers.
///
/// ```yaml
/// tls_server_config: {cert_file, key_file, client_auth_type, client_ca_file, min_version, max_version, cipher_suites}
/// http_server_config: {headers: {Strict-Transport-Security: …}}
/// basic_auth_users: {alice: $2y$10$…}   # bcrypt hashes
/// ```
package struct WebConfig: Sendable, Equatable {
    /// `tls_server_config`; nil serves plain HTTP.
    package var tls: TLSServerConfig?
    /// `http_server_config.headers`, added to every response.
    package var headers: [String: String] = [:]
    /// User names to bcrypt hashes; empty means no authentication.
    package var basicAuthUsers: [String: String] = [:]

    package init() {}

    /// exporter-toolkit's `client_auth_type` values.
    package enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        /// Whether the client's certificate is checked against `client_ca_file`.
        package var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
        /// Whether a connection without a client certificate is refused.
        package var requires: Bool { self == .requireAnyClientCert || self == .requireAndVerifyClientCert }
    }

    /// TLS versions by exporter-toolkit's names.
    package enum TLSVersion: String, Sendable, Comparable {
        case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"

        package static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rank < b.rank }
        private var rank: Int { [.tls10: 0, .tls11: 1, .tls12: 2, .tls13: 3][self]! }
    }

    /// `tls_server_config`, its certificate paths resolved.
    package struct TLSServerConfig: Sendable, Equatable {
        package var certFile: String
        package var keyFile: String
        package var clientAuth = ClientAuth.noClientCert
        package var clientCAFile: String?
        package var minVersion = TLSVersion.tls12
        package var maxVersion: TLSVersion?
        /// Go's cipher suite names, as written (applied to TLS 1.2; TLS 1.3's are fixed).
        package var cipherSuites: [String] = []
    }

    /// The response headers exporter-toolkit lets a configuration set.
    static let allowedHeaders: Set<String> = [
        "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection", "Strict-Transport-Security",
    ]

    /// Reads and checks the file; relative certificate paths are resolved against its directory.
    package static func load(file path: String) throws(ConfigError) -> WebConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, message: "cannot read web configuration: \(error.localizedDescription)")
        }
        return try parse(text, source: path, directory: PrometheusConfig.directory(of: path))
    }

    /// Parses the text of a web configuration; `directory` resolves relative certificate paths.
    package static func parse(_ text: String, source: String = "<web config>", directory: String = ".") throws(ConfigError) -> WebConfig {
        func fail(_ message: String) -> ConfigError { ConfigError(source: source, message: message) }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw fail(YAMLErrorText.describe(error))
        }
        var config = WebConfig()
        guard let root = node?.mapping else {
            if node == nil || node?.null != nil { return config }
            throw fail("the web configuration must be a mapping")
        }
        for key in root.keys.compactMap(\.string) where !["tls_server_config", "http_server_config", "basic_auth_users"].contains(key) {
            throw fail("field \(key) not found in type web.Config")
        }
        func resolved(_ file: String) -> String { file.hasPrefix("/") ? file : directory + "/" + file }
        if let tls = root["tls_server_config"]?.mapping {
            let known: Set = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version", "cipher_suites",
                              "prefer_server_cipher_suites", "curve_preferences", "client_allowed_sans"]
            for key in tls.keys.compactMap(\.string) where !known.contains(key) { throw fail("field \(key) not found in type web.TLSConfig") }
            guard let cert = tls["cert_file"]?.string, !cert.isEmpty else { throw fail("missing cert_file") }
            guard let key = tls["key_file"]?.string, !key.isEmpty else { throw fail("missing key_file") }
            var server = TLSServerConfig(certFile: resolved(cert), keyFile: resolved(key))
            if let name = tls["client_auth_type"]?.string, !name.isEmpty {
                guard let auth = ClientAuth(rawValue: name) else { throw fail("invalid ClientAuth: \(name)") }
                server.clientAuth = auth
            }
            if let ca = tls["client_ca_file"]?.string, !ca.isEmpty { server.clientCAFile = resolved(ca) }
            // Verifying without `client_ca_file` checks client certificates against the system's roots, as Go does.
            if server.clientCAFile != nil && server.clientAuth == .noClientCert {
                throw fail("client CAs have been configured without a client auth policy (client_auth_type)")
            }
            func version(_ field: String) throws(ConfigError) -> TLSVersion? {
                guard let name = tls[Node(field)]?.string, !name.isEmpty else { return nil }
                guard let version = TLSVersion(rawValue: name) else { throw fail("unknown TLS version: \(name)") }
                return version
            }
            server.minVersion = try version("min_version") ?? server.minVersion
            server.maxVersion = try version("max_version")
            if let max = server.maxVersion, max < server.minVersion { throw fail("max_version must be at least min_version") }
            server.cipherSuites = tls["cipher_suites"]?.sequence?.compactMap(\.string) ?? []
            for suite in server.cipherSuites where TLSCipherNames.openSSLName(suite) == nil { throw fail("unknown cipher: \(suite)") }
            config.tls = server
        }
        if let http = root["http_server_config"]?.mapping {
            for key in http.keys.compactMap(\.string) where !["http2", "headers"].contains(key) {
                throw fail("field \(key) not found in type web.HTTPConfig")
            }
            for (name, value) in http["headers"]?.mapping ?? [:] {
                guard let name = name.string, let value = value.string else { continue }
                guard allowedHeaders.contains(where: { $0.lowercased() == name.lowercased() }) else {
                    throw fail("HTTP header \"\(name)\" can not be configured")
                }
                config.headers[name] = value
            }
        }
        for (user, hash) in root["basic_auth_users"]?.mapping ?? [:] {
            guard let user = user.string, let hash = hash.string, !user.isEmpty else { continue }
            guard hash.hasPrefix("$2") else { throw fail("the password of user \(user) is not a bcrypt hash") }
            config.basicAuthUsers[user] = hash
        }
        return config
    }
}

/// Go's TLS 1.2 cipher suite names and OpenSSL's for them.
package enum TLSCipherNames {
    static let table: [String: String] = [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
        "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
        "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    ]

    package static func openSSLName(_ goName: String) -> String? { table[goName] }
}
