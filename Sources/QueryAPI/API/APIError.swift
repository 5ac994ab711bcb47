import Foundation
import Hummingbird

/// An API failure in Prometheus's terms: its `errorType` decides the HTTP status.
public struct APIError: Error, Sendable {
    public enum Kind: String, Sendable {
        case badData = "bad_data"
        case execution
        case timeout
        case canceled
        case `internal`
        case unavailable
        case notFound = "not_found"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Prometheus's status codes for each error type (see the HTTP API contract §1.2).
    var status: HTTPResponse.Status {
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

/// The JSON envelope every API response uses.
enum APIResponse {
    static func success(_ data: Any, warnings: [String] = [], infos: [String] = []) -> Response {
        var body: [String: Any] = ["status": "success", "data": data]
        if !warnings.isEmpty { body["warnings"] = warnings }
        if !infos.isEmpty { body["infos"] = infos }
        return json(body, status: .ok)
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
        json(["status": "error", "errorType": error.kind.rawValue, "error": error.message], status: error.status)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
