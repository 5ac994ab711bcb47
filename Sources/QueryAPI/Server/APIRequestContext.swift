import Hummingbird
import NIOCore

/// The request context of metricsd's router: Hummingbird's core context plus the connection the
/// request came on, so long work (a query) can stop when its client goes away.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let connection: ClientConnection
    /// The user basic authentication proved (`--web.config.file`), for the audit log.
    var user: String?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = ClientConnection(channel: source.channel)
    }
}

/// The client's end of a request, watched for the client going away.
///
/// While a handler runs, Hummingbird reads nothing more from the connection, so a client that gives
/// up is not noticed by reading: its FIN waits unread (the socket sits in CLOSE_WAIT) until the
/// response is written. The kernel knows, though, and TCP_INFO tells. As in Go's net/http, which
/// Prometheus serves with, a client that closed its end has abandoned the request.
struct ClientConnection: Sendable {
    let channel: any Channel

    /// How often `watch` asks the kernel about the connection.
    static let pollInterval: Duration = .milliseconds(200)

    /// Calls `abandoned` once if the client closes its end of the connection before the returned
    /// task is cancelled; cancel it when the work is done.
    func watch(_ abandoned: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        let channel = self.channel
        return Task {
            // A quick query is over before the first look, and costs no system call.
            while (try? await Task.sleep(for: Self.pollInterval)) != nil {
                if await Self.clientGone(channel) {
                    abandoned()
                    return
                }
            }
        }
    }

    /// Whether the channel is closed, or its peer has sent FIN (or reset it).
    static func clientGone(_ channel: any Channel) async -> Bool {
        if !channel.isActive { return true }
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return false }
        guard let info = try? await provider.getTCPInfo().get() else { return false }
        // Linux's TCP states: 1 is ESTABLISHED; every other state of an accepted socket means
        // the peer closed or reset (CLOSE_WAIT, LAST_ACK, CLOSE).
        return info.tcpi_state != 1
        #else
        return false
        #endif
    }
}
