import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// HTTP clients for scrapes with a `tls_config.server_name`, one per server name and target host.
///
/// AsyncHTTPClient takes the TLS server name (SNI, and the name the certificate is checked against)
/// from the URL's host and has no per-request override; its client-wide `dnsOverride` is the only
/// way to connect to one host while naming another. So such a scrape asks for
/// `https://SERVER_NAME:PORT/path` through a client that maps `SERVER_NAME` to the target's host,
/// and sends the target's address as `Host`, as Prometheus does.
///
/// A client unused for `idleLimit` is shut down when the next one is asked for, so targets that
/// come and go (pods) do not keep clients forever.
final class ServerNameClients: Sendable {
    private struct Key: Hashable {
        let serverName: String
        let host: String
    }

    private struct Entry {
        let client: HTTPClient
        var lastUsed: ContinuousClock.Instant
    }

    private let configuration: HTTPClient.Configuration
    private let idleLimit: Duration
    private let clients = Mutex<[Key: Entry]>([:])

    /// `configuration` is the scrape client's, which every server-name client copies.
    init(configuration: HTTPClient.Configuration, idleLimit: Duration = .seconds(600)) {
        self.configuration = configuration
        self.idleLimit = idleLimit
    }

    /// The request for `url` presenting `serverName`, and the client that sends it to `url`'s host.
    /// Nil when `url` has no host to connect to (the scrape then fails on the URL as it stands).
    func route(_ url: String, serverName: String) -> (client: HTTPClient, url: String, host: String)? {
        guard var components = URLComponents(string: url), let address = components.percentEncodedHost,
              let connectHost = URL(string: url)?.host(percentEncoded: false), !connectHost.isEmpty, !serverName.isEmpty
        else { return nil }
        let hostHeader = address + (components.port.map { ":\($0)" } ?? "")
        // AsyncHTTPClient looks the override up by the URL's host as it writes it: IPv6 in brackets.
        let isIPv6 = serverName.contains(":")
        let urlHost = isIPv6 ? "[\(serverName)]" : serverName
        components.percentEncodedHost = urlHost
        guard let routed = components.string else { return nil }
        return (client(Key(serverName: urlHost, host: connectHost)), routed, hostHeader)
    }

    private func client(_ key: Key) -> HTTPClient {
        let now = ContinuousClock.now
        let (client, idle) = clients.withLock { clients -> (HTTPClient, [HTTPClient]) in
            let idleKeys = clients.filter { $0.key != key && now - $0.value.lastUsed > idleLimit }.map(\.key)
            let idle = idleKeys.compactMap { clients.removeValue(forKey: $0)?.client }
            if let entry = clients[key] {
                clients[key]?.lastUsed = now
                return (entry.client, idle)
            }
            var configuration = configuration
            configuration.dnsOverride = [key.serverName: key.host]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = Entry(client: client, lastUsed: now)
            return (client, idle)
        }
        for old in idle { old.shutdown { _ in } }
        return client
    }

    /// Shuts every client down (the scrape manager stopping).
    func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients = [:] }
            return clients.values.map(\.client)
        }
        for client in all { try? await client.shutdown() }
    }
}
