import Foundation
import Hummingbird

/// An API failure in Prometheus's terms: its `errorType` decides the HTTP status.
struct APIError: Error, Sendable {
    package enum Kind: String, Sendable {
        case badData = "bad_data"
        case execution
        case timeout
        case canceled
        case `internal`
        case unavailable
        case notFound = "not_found"
    }

    package let kind: Kind
    package let message: String
    /// A status other than the kind's (413 for a body over the limit, whose errorType stays bad_data).
    let statusOverride: HTTPResponse.Status?

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
        statusOverride = nil
    }

    init(_ kind: Kind, _ message: String, status: HTTPResponse.Status) {
        self.kind = kind
        self.message = message
        statusOverride = status
    }

    /// A request body over `limit` bytes: 413, and the connection is closed after the answer, so the
    /// client stops sending instead of waiting on a server that has stopped reading.
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.badData, "request body too large (limit \(limit) bytes)", status: .contentTooLarge)
    }

    /// Prometheus's status codes for each error type (see the HTTP API contract §1.2).
    var status: HTTPResponse.Status {
        if let statusOverride { return statusOverride }
        switch kind {
        case .badData: return .badRequest
        case .execution: return .unprocessableContent
        case .timeout: return .serviceUnavailable
        case .canceled: return .init(code: 499, reasonPhrase: "Client Closed Request")
        case .internal, .unavailable: return .internalServerError
        case .notFound: return .notFound
        }
    }
}

/// The JSON envelope every API response uses, written in one place: `status` first, then `data`
/// or the error, then `warnings` and `infos` when there are any, as Prometheus writes them. Slashes
/// are not escaped (scrape URLs, paths), as Go's encoder leaves them.
enum APIResponse {
    static func success(_ data: Any, warnings: [String] = [], infos: [String] = []) -> Response {
        success(warnings: warnings, infos: infos) { out in out.raw(encode(data)) }
    }

    /// The success envelope around data that `writeData` writes itself (query results stream
    /// straight into the buffer).
    static func success(warnings: [String] = [], infos: [String] = [], data writeData: (inout JSONBytes) -> Void) -> Response {
        var out = JSONBytes()
        out.append("{\"status\":\"success\",\"data\":")
        writeData(&out)
        if !warnings.isEmpty {
            out.append(",\"warnings\":")
            out.strings(warnings)
        }
        if !infos.isEmpty {
            out.append(",\"infos\":")
            out.strings(infos)
        }
        out.append("}")
        return response(out.bytes, status: .ok)
    }

    /// Runs a handler, turning its errors into Prometheus's error envelope.
    static func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            return failure(error)
        } catch {
            return failure(APIError(.internal, "\(error)"))
        }
    }

    static func failure(_ error: APIError) -> Response {
        var out = JSONBytes()
        out.append("{\"status\":\"error\",\"errorType\":")
        out.quoted(error.kind.rawValue)
        out.append(",\"error\":")
        out.quoted(error.message)
        out.append("}")
        return response(out.bytes, status: error.status)
    }

    /// `value` (dictionaries, arrays, strings, numbers, booleans) as JSON with sorted keys.
    static func encode(_ value: Any) -> [UInt8] {
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return Array("null".utf8) }
        return Array(data)
    }

    private static func response(_ bytes: [UInt8], status: HTTPResponse.Status) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        // The body was not read to its end: the connection cannot carry another request (`HTTPGuard`).
        if status == .contentTooLarge { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
