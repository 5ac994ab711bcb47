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
    /// Nil when `url` has no host to connect to (the scrape then fails on the URL as it stands);
    /// throws when `serverName` cannot stand as a URL's host (the scrape fails saying so).
    func route(_ url: String, serverName: String) throws(InvalidServerName) -> (client: HTTPClient, url: String, host: String)? {
        let isIPv6 = serverName.contains(":")
        guard !serverName.isEmpty, serverName.utf8.allSatisfy(isIPv6 ? Self.isIPv6Byte : Self.isHostNameByte) else {
            throw InvalidServerName(name: serverName)
        }
        guard let schemeEnd = url.range(of: "://"), let connectHost = URL(string: url)?.host(percentEncoded: false), !connectHost.isEmpty
        else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // The port after the host (after the brackets of an IPv6 address), when there is one.
        let hostEnd = authority.hasPrefix("[") ? authority.firstIndex(of: "]").map(authority.index(after:)) ?? authority.endIndex
                                               : authority.firstIndex(of: ":") ?? authority.endIndex
        let port = authority[hostEnd...]
        // AsyncHTTPClient looks the override up by the URL's host as it writes it: IPv6 in brackets.
        let urlHost = isIPv6 ? "[\(serverName)]" : serverName
        let routed = url[..<schemeEnd.upperBound] + urlHost + port + rest[authority.endIndex...]
        return (client(Key(serverName: urlHost, host: connectHost)), String(routed), String(authority))
    }

    static func isHostNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F
    }

    static func isIPv6Byte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46) || byte == 0x3A || byte == 0x2E
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

/// A `server_name` that cannot be a URL's host (only letters, digits, `-`, `.` and `_`, or an IPv6
/// address): the scrape fails with this rather than sending another name.
struct InvalidServerName: Error, CustomStringConvertible {
    let name: String
    var description: String { "tls_config.server_name \"\(name)\" is not a host name this scraper can send" }
}
