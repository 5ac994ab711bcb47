import AsyncHTTPClient
import Testing

@testable import Scraper

/// How a scrape with `tls_config.server_name` is addressed: the URL names the server, the client
/// connects to the target, and `Host` stays the target's address.
@Suite("server_name routing")
struct ServerNameClientsTests {
    @Test("the URL's host becomes the server name; port, path and query stay; Host is the target's address", arguments: [
        ("https://127.0.0.1:9100/metrics?x=1", "exporter.internal", "https://exporter.internal:9100/metrics?x=1", "127.0.0.1:9100"),
        ("https://[::1]:9100/metrics", "exporter.internal", "https://exporter.internal:9100/metrics", "[::1]:9100"),
        ("https://node-1.cluster/m", "node_1.internal", "https://node_1.internal/m", "node-1.cluster"),
        ("https://10.0.0.2:443/metrics", "fd00::2", "https://[fd00::2]:443/metrics", "10.0.0.2:443"),
    ])
    func routes(url: String, serverName: String, routed: String, host: String) async throws {
        let clients = ServerNameClients(configuration: HTTPClient.Configuration())
        let route = try #require(try clients.route(url, serverName: serverName))
        #expect(route.url == routed)
        #expect(route.host == host)
        #expect(try clients.route(url, serverName: serverName)?.client === route.client, "one client per server name and host")
        await clients.shutdown()
    }

    @Test("a server name that cannot be a URL's host fails the scrape instead of stopping the process",
          arguments: ["a b", "exporter/x", "ünï.example", "a@b", "[::1]", "", "x:y:zz"])
    func refuses(serverName: String) async {
        let clients = ServerNameClients(configuration: HTTPClient.Configuration())
        #expect(throws: InvalidServerName.self) { try clients.route("https://127.0.0.1:9100/metrics", serverName: serverName) }
        await clients.shutdown()
    }
}
