import Foundation
import Config
import HummingbirdBcrypt
import NIOCore
import NIOSSL
import Synchronization

/// `--web.config.file` in force: the TLS context for the listener, the users basic authentication
/// accepts, and the headers every response carries.
package final class WebSecurity: Sendable {
    let tlsContext: NIOSSLContext?
    /// Client certificates are accepted without checking them against a CA (`RequestClientCert`, `RequireAnyClientCert`).
    let acceptsAnyClientCertificate: Bool
    let users: [String: String]
    let headers: [(String, String)]
    /// Credentials already checked, so bcrypt (tens of milliseconds a check) runs once per pair.
    private let checked = Mutex<[String: Bool]>([:])

    /// Loads the certificates and keys `config` names (throws when they cannot be read).
    package init(_ config: WebConfig) throws {
        users = config.basicAuthUsers
        headers = config.headers.sorted { $0.key < $1.key }
        if let tls = config.tls {
            tlsContext = try NIOSSLContext(configuration: try Self.serverConfiguration(tls))
            acceptsAnyClientCertificate = tls.clientAuth == .requestClientCert || tls.clientAuth == .requireAnyClientCert
        } else {
            tlsContext = nil
            acceptsAnyClientCertificate = false
        }
    }

    static func serverConfiguration(_ config: WebConfig.TLSServerConfig) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(config.certFile).map { .certificate($0) }, privateKey: .privateKey(try NIOSSLPrivateKey(file: config.keyFile, format: .pem)))
        tls.minimumTLSVersion = nioVersion(config.minVersion)
        tls.maximumTLSVersion = config.maxVersion.map(nioVersion)
        if !config.cipherSuites.isEmpty {
            tls.cipherSuites = config.cipherSuites.compactMap(TLSCipherNames.openSSLName).joined(separator: ":")
        }
        // Without `client_ca_file`, client certificates are checked against the system's roots.
        if let ca = config.clientCAFile { tls.trustRoots = .file(ca) }
        switch config.clientAuth {
        case .noClientCert: tls.certificateVerification = .none
        case .requestClientCert, .verifyClientCertIfGiven: tls.certificateVerification = .optionalVerification
        case .requireAnyClientCert, .requireAndVerifyClientCert: tls.certificateVerification = .noHostnameVerification
        }
        return tls
    }

    static func nioVersion(_ version: WebConfig.TLSVersion) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }

    /// The TLS handler for a new connection, or nil without TLS.
    func tlsHandler() throws -> NIOSSLServerHandler? {
        guard let tlsContext else { return nil }
        guard acceptsAnyClientCertificate else { return try NIOSSLServerHandler(context: tlsContext) }
        // Presence is all that is asked of a client certificate here (the mode decides whether one is required).
        return NIOSSLServerHandler(context: tlsContext) { _, promise in promise.succeed(.certificateVerified) }
    }

    /// The user an `Authorization: Basic …` header proves, or nil when it proves none.
    func authenticatedUser(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let decoded = String(data: data, encoding: .utf8),
              let colon = decoded.firstIndex(of: ":")
        else { return nil }
        let user = String(decoded[..<colon]), password = String(decoded[decoded.index(after: colon)...])
        guard let hash = users[user] else { return nil }
        let key = user + "\u{0}" + password
        if let known = checked.withLock({ $0[key] }) { return known ? user : nil }
        let valid = Bcrypt.verify(password, hash: hash)
        checked.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[key] = valid
        }
        return valid ? user : nil
    }

    var requiresAuthentication: Bool { !users.isEmpty }
}
