import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import X509

/// Writes the audit log's line for each request it records, with the user basic authentication
/// proved and the subject of the client's TLS certificate. Outermost, so refused credentials and
/// every other answer are seen as the client saw them.
struct AuditLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let log: AuditLog
    let security: WebSecurity?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = Date()
        let clock = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            await write(request, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, started: started, clock: clock)
            throw error
        }
        await write(request, context: context, status: response.status.code, started: started, clock: clock)
        return response
    }

    private func write(_ request: Request, context: Context, status: Int, started: Date, clock: ContinuousClock.Instant) async {
        let path = request.uri.path
        let kind = AuditLog.kind(path: path, status: status)
        guard log.records(kind) else { return }
        let channel = context.connection.channel
        let user = security?.requiresAuthentication == true ? security?.authenticatedUser(request.headers[.authorization]) : nil
        let certificate = security?.tlsContext == nil ? nil : await Self.certificateSubject(channel)
        log.write(AuditLog.Entry(
            time: started, kind: kind, client: channel.remoteAddress.map(Self.address) ?? "", user: user,
            certificate: certificate, method: request.method.rawValue, path: path, status: status,
            seconds: (ContinuousClock.now - clock).seconds))
    }

    static func address(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// The subject of the client's certificate (`CN=…`), when the connection is TLS and it sent one.
    static func certificateSubject(_ channel: any Channel) async -> String? {
        guard let peer = try? await channel.eventLoop.submit({ () -> NIOSSLCertificate? in
            try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
        }).get(), let der = try? peer.toDERBytes(), let certificate = try? Certificate(derEncoded: der)
        else { return nil }
        return certificate.subject.description
    }
}
