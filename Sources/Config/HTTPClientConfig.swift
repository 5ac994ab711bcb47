import Foundation
import Yams

/// Prometheus's common HTTP client settings (`basic_auth`, `authorization`, `bearer_token(_file)`,
/// `oauth2`, `tls_config`, `follow_redirects`), shared by scrape configs, Kubernetes discovery,
/// Alertmanagers and remote write. `oauth2` is acted on by remote write only so far.
package struct HTTPClientConfig: Sendable, Equatable, Decodable {
    package var basicAuth: BasicAuth?
    package var authorization: Authorization?
    package var oauth2: OAuth2?
    package var tlsConfig = TLSConfig()
    var followRedirects = true

    package init() {}

    package struct BasicAuth: Sendable, Equatable, Decodable {
        package var username: String
        package var password: String?
        package var passwordFile: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case username, password
            case passwordFile = "password_file"
        }
        package init(username: String, password: String? = nil, passwordFile: String? = nil) {
            self.username = username
            self.password = password
            self.passwordFile = passwordFile
        }
    }

    /// `authorization:`; the legacy `bearer_token`/`bearer_token_file` decode into this too.
    package struct Authorization: Sendable, Equatable, Decodable {
        package var type = "Bearer"
        package var credentials: String?
        package var credentialsFile: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, credentials
            case credentialsFile = "credentials_file"
        }
        package init(type: String = "Bearer", credentials: String? = nil, credentialsFile: String? = nil) {
            self.type = type
            self.credentials = credentials
            self.credentialsFile = credentialsFile
        }
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type) ?? "Bearer"
            credentials = try container.decodeIfPresent(String.self, forKey: .credentials)
            credentialsFile = try container.decodeIfPresent(String.self, forKey: .credentialsFile)
            if credentials != nil && credentialsFile != nil {
                throw DecodingError.dataCorruptedError(
                    forKey: .credentials, in: container, debugDescription: "at most one of credentials & credentials_file must be configured")
            }
            if type.lowercased() == "basic" {
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container, debugDescription: "authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
            }
        }
    }

    package struct TLSConfig: Sendable, Equatable, Decodable {
        package var caFile: String?
        package var certFile: String?
        package var keyFile: String?
        package var serverName: String?
        package var insecureSkipVerify = false
        enum CodingKeys: String, CodingKey, CaseIterable {
            case caFile = "ca_file"
            case certFile = "cert_file"
            case keyFile = "key_file"
            case serverName = "server_name"
            case insecureSkipVerify = "insecure_skip_verify"
            case minVersion = "min_version"
            case maxVersion = "max_version"
            case ca, cert, key
        }
        package init() {}
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
            certFile = try container.decodeIfPresent(String.self, forKey: .certFile)
            keyFile = try container.decodeIfPresent(String.self, forKey: .keyFile)
            serverName = try container.decodeIfPresent(String.self, forKey: .serverName)
            insecureSkipVerify = try container.decodeIfPresent(Bool.self, forKey: .insecureSkipVerify) ?? false
            if (certFile == nil) != (keyFile == nil) {
                throw DecodingError.dataCorruptedError(
                    forKey: .certFile, in: container, debugDescription: "exactly one of key_file and cert_file is configured; both or neither are needed")
            }
            for inline in [CodingKeys.ca, .cert, .key] where container.contains(inline) {
                throw DecodingError.dataCorruptedError(
                    forKey: inline, in: container, debugDescription: "inline TLS material (\(inline.stringValue)) is not supported; use \(inline.stringValue)_file")
            }
        }
        /// Whether any setting differs from the system defaults.
        package var isDefault: Bool { self == TLSConfig() }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case basicAuth = "basic_auth"
        case authorization
        case bearerToken = "bearer_token"
        case bearerTokenFile = "bearer_token_file"
        case oauth2
        case tlsConfig = "tls_config"
        case followRedirects = "follow_redirects"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        basicAuth = try container.decodeIfPresent(BasicAuth.self, forKey: .basicAuth)
        authorization = try container.decodeIfPresent(Authorization.self, forKey: .authorization)
        let token = try container.decodeIfPresent(String.self, forKey: .bearerToken)
        let tokenFile = try container.decodeIfPresent(String.self, forKey: .bearerTokenFile)
        if token != nil || tokenFile != nil {
            guard authorization == nil, token == nil || tokenFile == nil else {
                throw DecodingError.dataCorruptedError(
                    forKey: .bearerToken, in: container,
                    debugDescription: "at most one of bearer_token, bearer_token_file & authorization must be configured")
            }
            authorization = Authorization(credentials: token, credentialsFile: tokenFile)
        }
        oauth2 = try container.decodeIfPresent(OAuth2.self, forKey: .oauth2)
        if [basicAuth != nil, authorization != nil, oauth2 != nil].filter({ $0 }).count > 1 {
            throw DecodingError.dataCorruptedError(
                forKey: .basicAuth, in: container, debugDescription: "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
        }
        tlsConfig = try container.decodeIfPresent(TLSConfig.self, forKey: .tlsConfig) ?? TLSConfig()
        followRedirects = try container.decodeIfPresent(Bool.self, forKey: .followRedirects) ?? true
    }

    /// The `Authorization` header value, reading credential files now so rotated tokens are picked up.
    package func authorizationHeader() throws -> String? {
        if let basicAuth {
            var password = basicAuth.password ?? ""
            if let file = basicAuth.passwordFile { password = try Self.readSecret(file) }
            return "Basic " + Data("\(basicAuth.username):\(password)".utf8).base64EncodedString()
        }
        if let authorization {
            var credentials = authorization.credentials ?? ""
            if let file = authorization.credentialsFile { credentials = try Self.readSecret(file) }
            return "\(authorization.type) \(credentials)"
        }
        return nil
    }

    /// The trimmed content of a secret file (`password_file`, `credentials_file`, a service-account token).
    package static func readSecret(_ path: String) throws -> String {
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ConfigError(source: path, message: "unable to read secret file: \(error.localizedDescription)")
        }
    }
}

extension HTTPClientConfig {
    /// Reads an `http_config` block on its own, as promtool's `--http.config.file` takes it; file
    /// paths in it are taken from the file's directory.
    package static func load(file path: String) throws(ConfigError) -> HTTPClientConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, message: "cannot read: \(error.localizedDescription)")
        }
        let config: HTTPClientConfig
        do {
            config = try YAMLDecoder().decode(HTTPClientConfig.self, from: text)
        } catch let error as DecodingError {
            throw ConfigError(source: path, message: ConfigError.describe(error))
        } catch {
            throw ConfigError(source: path, message: "\(error)")
        }
        let directory = PrometheusConfig.directory(of: path)
        return config.resolvingPaths { PrometheusConfig.join(directory, $0) }
    }
}
