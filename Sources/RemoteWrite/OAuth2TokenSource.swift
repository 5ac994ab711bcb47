import AsyncHTTPClient
import Config
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Access tokens for `oauth2:` (the client-credentials grant, RFC 6749 §4.4): fetched from
/// `token_url` with the client's id and secret as HTTP Basic credentials, kept until shortly before
/// they expire, fetched again after a 401 from the server. Usable from async code (remote write)
/// and from threads that may block (remote read, which runs inside a query).
package final class OAuth2TokenSource: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Token {
        let value: String
        let type: String
        let expires: ContinuousClock.Instant
    }

    let config: HTTPClientConfig.OAuth2
    private let token = Mutex<Token?>(nil)

    package init(config: HTTPClientConfig.OAuth2) {
        self.config = config
    }

    /// The `Authorization` header value, fetching a token when there is none or it is about to expire.
    func authorization(client: HTTPClient, timeoutMilliseconds: Int64) async throws -> String {
        try await authorizationFuture(client: client, timeoutMilliseconds: timeoutMilliseconds).get()
    }

    /// `authorization`, waiting on the calling thread: never call it from the cooperative pool.
    package func blockingAuthorization(client: HTTPClient, timeoutMilliseconds: Int64) throws -> String {
        try authorizationFuture(client: client, timeoutMilliseconds: timeoutMilliseconds).wait()
    }

    private func authorizationFuture(client: HTTPClient, timeoutMilliseconds: Int64) -> EventLoopFuture<String> {
        let eventLoop = client.eventLoopGroup.any()
        if let cached = token.withLock({ $0 }), ContinuousClock.now < cached.expires {
            return eventLoop.makeSucceededFuture("\(cached.type) \(cached.value)")
        }
        let request: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            headers.add(name: "Accept", value: "application/json")
            let credentials = Self.formEscape(config.clientID) + ":" + Self.formEscape(try config.secret())
            headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
            var form = [("grant_type", "client_credentials")]
            if !config.scopes.isEmpty { form.append(("scope", config.scopes.joined(separator: " "))) }
            form += config.endpointParams.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            let body = form.map { Self.formEscape($0) + "=" + Self.formEscape($1) }.joined(separator: "&")
            request = try HTTPClient.Request(url: config.tokenURL, method: .POST, headers: headers, body: .string(body))
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return client.execute(request: request, deadline: .now() + .milliseconds(timeoutMilliseconds)).flatMapThrowing { response in
            try self.accept(response)
        }
    }

    /// Keeps the token of a token endpoint's answer and returns its header value.
    private func accept(_ response: HTTPClient.Response) throws -> String {
        let body = response.body.map { String(buffer: $0) } ?? ""
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(description: "oauth2 token request to \(config.tokenURL) failed: HTTP \(response.status.code): \(body.prefix(200))")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], let value = json["access_token"] as? String, !value.isEmpty else {
            throw Failure(description: "oauth2 token response from \(config.tokenURL) has no access_token")
        }
        let type = (json["token_type"] as? String).map { $0.lowercased() == "bearer" ? "Bearer" : $0 } ?? "Bearer"
        // Renewed 10 s early (Go's oauth2 package does the same), never kept past an hour without expires_in.
        let lifetime = (json["expires_in"] as? Double) ?? (json["expires_in"] as? String).flatMap(Double.init) ?? 3600
        token.withLock { $0 = Token(value: value, type: type, expires: .now + .milliseconds(Int64(max(lifetime - 10, 1) * 1000))) }
        return "\(type) \(value)"
    }

    /// Forgets the token (the server refused it).
    package func invalidate() { token.withLock { $0 = nil } }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
