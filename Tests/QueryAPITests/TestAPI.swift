import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
import TSDB

@testable import QueryAPI

/// A store in a fresh temporary directory, filled by `seed`, behind the in-process API server that
/// `server` builds over it; `body` talks to it. The store is closed and removed afterwards.
func withTestAPI(
    seed: (DB) throws -> Void = { _ in },
    server: (DB) throws -> APIServer = { APIServer(db: $0) },
    _ body: @Sendable (any TestClientProtocol, DB) async throws -> Void
) async throws {
    let directory = try makeTemporaryDirectory("api")
    defer { removeTemporaryDirectory(directory) }
    let db = try DB(path: directory.path, logger: Logger(label: "test"))
    defer { db.close() }
    try seed(db)
    let app = Application(router: try server(db).router())
    try await app.test(.router) { client in try await body(client, db) }
}

/// A response body as a JSON object.
func jsonObject(_ buffer: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any], sourceLocation: sourceLocation)
}
