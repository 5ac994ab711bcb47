import Foundation
import Hummingbird
import MetricsModel
import NIOCore

/// Prometheus's HTTP behaviour around the handlers: 405 with `Allow` for a known path and the wrong
/// method, a plain-text 404 otherwise, CORS for `--web.cors.origin`, and gzip when the client asks.
struct HTTPSemanticsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let routes: RouteTable
    /// `--web.cors.origin`; nil means `.*` (any origin, answered with `*`).
    let corsOrigin: AnchoredRegex?
    /// Counts answers by route pattern and status for the self-metrics.
    let requests: HTTPRequestCounter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let started = ContinuousClock.now
        if request.method == .options && path.hasPrefix("/api/v1/") {
            var response = Response(status: .noContent)
            addCORS(request, to: &response)
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: path)
            if allowed.isEmpty {
                response = APIServer.text("404 page not found\n", status: .notFound)
            } else {
                response = APIServer.text("Method Not Allowed\n", status: .methodNotAllowed)
                let names = (allowed.map(\.rawValue) + ["OPTIONS"]).sorted()
                response.headers[.allow] = names.joined(separator: ", ")
            }
        }
        if path.hasPrefix("/api/v1/") { addCORS(request, to: &response) }
        let handler = context.endpointPath ?? (response.status == .notFound ? "other" : path)
        requests.record(handler: handler, code: Int(response.status.code), seconds: (ContinuousClock.now - started).seconds)
        if Self.acceptsGzip(request) && response.status != .noContent && response.headers[.contentEncoding] == nil {
            response = try await Self.gzip(response)
        }
        return response
    }

    /// Prometheus's `SetCORS`: only requests with an `Origin` get the headers.
    func addCORS(_ request: Request, to response: inout Response) {
        guard let origin = request.headers[.origin] else { return }
        response.headers[.accessControlAllowHeaders] = "Accept, Authorization, Content-Type, Origin"
        response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        response.headers[.accessControlExposeHeaders] = "Date"
        if let corsOrigin {
            if corsOrigin.matches(origin) { response.headers[.accessControlAllowOrigin] = origin }
        } else {
            response.headers[.accessControlAllowOrigin] = "*"
        }
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        request.headers[values: .acceptEncoding].contains { value in
            value.split(separator: ",").contains { $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "gzip" }
        }
    }

    /// The response with its body gzip-compressed.
    static func gzip(_ response: Response) async throws -> Response {
        let box = BodyBox()
        var original = response
        let body = original.body
        original.body = ResponseBody()
        try await body.write(CollectingWriter(box: box))
        let compressed = try Gzip.compress(Array(buffer: box.buffer))
        var headers = original.headers
        headers[.contentEncoding] = "gzip"
        headers[.contentLength] = nil
        headers[values: .vary] = headers[values: .vary] + ["Accept-Encoding"]
        return Response(status: original.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: compressed)))
    }

    final class BodyBox: @unchecked Sendable {
        var buffer = ByteBuffer()
    }

    /// Gathers a response body so it can be compressed whole.
    struct CollectingWriter: ResponseBodyWriter {
        let box: BodyBox
        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            box.buffer.writeBuffer(&buffer)
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
