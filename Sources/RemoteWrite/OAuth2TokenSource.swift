import AsyncHTTPClient
import Config
import Foundation
import NIOCore
import NIOHTTP1

/// Access tokens for `oauth2:` (the client-credentials grant, RFC 6749 §4.4): fetched from
/// `token_url` with the client's id and secret as HTTP Basic credentials, kept until shortly before
/// they expire, fetched again after a 401 from the receiver.
actor OAuth2TokenSource {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let config: HTTPClientConfig.OAuth2
    private var token: (value: String, type: String, expires: ContinuousClock.Instant)?

    init(config: HTTPClientConfig.OAuth2) {
        self.config = config
    }

    /// The `Authorization` header value, fetching a token when there is none or it is about to expire.
    func authorization(client: HTTPClient, timeoutMilliseconds: Int64) async throws -> String {
        if let token, ContinuousClock.now < token.expires { return "\(token.type) \(token.value)" }
        var request = HTTPClientRequest(url: config.tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = Self.formEscape(config.clientID) + ":" + Self.formEscape(try config.secret())
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        var form = [("grant_type", "client_credentials")]
        if !config.scopes.isEmpty { form.append(("scope", config.scopes.joined(separator: " "))) }
        form += config.endpointParams.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        request.body = .bytes(ByteBuffer(string: form.map { Self.formEscape($0) + "=" + Self.formEscape($1) }.joined(separator: "&")))
        let response = try await client.execute(request, timeout: .milliseconds(timeoutMilliseconds))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(description: "oauth2 token request to \(config.tokenURL) failed: HTTP \(response.status.code): \(String(buffer: body).prefix(200))")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any], let value = json["access_token"] as? String, !value.isEmpty else {
            throw Failure(description: "oauth2 token response from \(config.tokenURL) has no access_token")
        }
        let type = (json["token_type"] as? String).map { $0.lowercased() == "bearer" ? "Bearer" : $0 } ?? "Bearer"
        // Renewed 10 s early (Go's oauth2 package does the same), never kept past an hour without expires_in.
        let lifetime = (json["expires_in"] as? Double) ?? (json["expires_in"] as? String).flatMap(Double.init) ?? 3600
        token = (value, type, .now + .milliseconds(Int64(max(lifetime - 10, 1) * 1000)))
        return "\(type) \(value)"
    }

    /// Forgets the token (the receiver refused it).
    func invalidate() { token = nil }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
