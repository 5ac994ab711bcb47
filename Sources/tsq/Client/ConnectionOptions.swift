import ArgumentParser
import AsyncHTTPClient
import Config
import Foundation
import NIOCore
import Scraper

/// Where a command's data comes from: a server's HTTP API (`--url`, or `TSQ_URL`), with its
/// authentication, TLS and timeout, or a data directory read in process (`--data-dir`).
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Base URL of metricsd, Prometheus or VictoriaMetrics (default $TSQ_URL, else http://127.0.0.1:9090).", valueName: "url"))
    var url: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Query this data directory read-only instead of a server (metricsd may be running on it).", valueName: "dir"))
    var dataDirectory: String?

    @Option(name: .customLong("bearer-token-file"), help: ArgumentHelp("Send the token in this file as `Authorization: Bearer`.", valueName: "file"))
    var bearerTokenFile: String?

    @Option(name: .customLong("basic-auth"), help: ArgumentHelp("Basic authentication: the user, then the file holding the password.", valueName: "user:password-file"))
    var basicAuth: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("CA certificates to verify the server with (PEM).", valueName: "file"))
    var caFile: String?

    @Flag(name: .customLong("insecure-skip-verify"), help: "Do not verify the server's certificate.")
    var insecureSkipVerify = false

    @Option(help: ArgumentHelp("How long to wait for an answer (a Prometheus duration).", valueName: "duration"))
    var timeout = "1m"

    @Option(name: .customLong("http.config.file"), help: ArgumentHelp("HTTP client settings in Prometheus's http_config format, as promtool takes them.", valueName: "file"))
    var httpConfigFile: String?

    static let defaultURL = "http://127.0.0.1:9090"

    func validate() throws {
        if dataDirectory != nil && (url != nil || httpConfigFile != nil || bearerTokenFile != nil || basicAuth != nil) {
            throw ValidationError("--data-dir reads a directory; it takes no --url or HTTP settings")
        }
        if bearerTokenFile != nil && basicAuth != nil { throw ValidationError("give at most one of --bearer-token-file and --basic-auth") }
        if let basicAuth, !basicAuth.contains(":") { throw ValidationError("--basic-auth takes user:password-file, got \"\(basicAuth)\"") }
        guard PromDurationArgument.milliseconds(timeout) != nil else { throw ValidationError("--timeout: cannot parse \"\(timeout)\" as a duration, e.g. 30s") }
    }

    /// Whether answers come from a directory rather than a server.
    var isOffline: Bool { dataDirectory != nil }

    /// Runs `body` with a client for the chosen source, and closes it after.
    func withAPI<T: Sendable>(_ body: @Sendable (APIClient) async throws -> T) async throws -> T {
        if let dataDirectory {
            return try await OfflineServer.withServer(dataDirectory: dataDirectory) { base in
                try await withClient(base: base, http: HTTPClientConfig(), body)
            }
        }
        var http = HTTPClientConfig()
        if let httpConfigFile {
            do {
                http = try HTTPClientConfig.load(file: httpConfigFile)
            } catch {
                throw TSQFailure(.usage, "--http.config.file: \(error)")
            }
        }
        if let bearerTokenFile { http.authorization = .init(type: "Bearer", credentialsFile: bearerTokenFile) }
        if let basicAuth {
            let parts = basicAuth.split(separator: ":", maxSplits: 1)
            http.basicAuth = .init(username: String(parts[0]), passwordFile: String(parts[1]))
        }
        if let caFile { http.tlsConfig.caFile = caFile }
        if insecureSkipVerify { http.tlsConfig.insecureSkipVerify = true }
        let base = url ?? ProcessInfo.processInfo.environment["TSQ_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultURL
        guard let parsed = URL(string: base), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
            throw TSQFailure(.usage, "--url: \"\(base)\" is not an http(s) URL")
        }
        return try await withClient(base: base, http: http, body)
    }

    private func withClient<T: Sendable>(base: String, http: HTTPClientConfig, _ body: @Sendable (APIClient) async throws -> T) async throws -> T {
        let authorization: String?
        var configuration = HTTPClient.Configuration()
        // One attempt: a refused connection or an untrusted certificate is the answer, not a reason
        // to retry until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        do {
            authorization = try http.authorizationHeader()
            if let tls = try http.tlsConfig.nioConfiguration() { configuration.tlsConfiguration = tls }
        } catch {
            throw TSQFailure(.usage, "\(error)")
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let api = APIClient(
            base: base, client: client, authorization: authorization,
            timeout: .milliseconds(PromDurationArgument.milliseconds(timeout) ?? 60_000))
        do {
            let result = try await body(api)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
