import Foundation
import Hummingbird
import NIOCore

/// A loopback Kubernetes API server for tests, serving a `FakeCluster`: paged lists, watches that
/// replay the cluster's events through the request's namespace and selectors (with bookmarks),
/// 410 on compacted resourceVersions, token checks and injected failures.
package final class FakeKubernetesAPI: @unchecked Sendable {
    package struct Request: Sendable {
        package var path: String
        package var query: [String: String]
        package var authorization: String?
        package var isWatch: Bool { ["true", "1", "True", "TRUE", "t", "T"].contains(query["watch"] ?? "") }
    }

    package let cluster: FakeCluster
    package let port: Int
    /// When set, requests must carry `Authorization: Bearer <token>`.
    package var requiredToken: String? {
        get { lock.withLock { _requiredToken } }
        set { lock.withLock { _requiredToken = newValue } }
    }
    /// How long a watch stays open before the server ends it (the client then re-watches).
    package var watchDuration: Duration = .seconds(2)

    private let lock = NSLock()
    private var _requiredToken: String?
    private var log: [Request] = []
    /// Failures answered to the next matching requests: (path suffix, watch?, HTTP status, body).
    private var failures: [(suffix: String, watch: Bool?, status: Int, body: Data)] = []
    private var expireContinueTokens = false
    private var server: TestServer?

    package init(cluster: FakeCluster, port: Int = ServerProcess.freePort()) {
        self.cluster = cluster
        self.port = port
    }

    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts serving and waits until the server answers.
    package func start() async throws {
        let router = Router()
        router.get("**") { request, _ in await self.handle(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        server = TestServer(app)
        for _ in 0..<200 {
            if await httpGet("\(baseURL)/healthz") != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CocoaError(.fileNoSuchFile)
    }

    package func stop() {
        server?.cancel()
    }

    /// The requests received so far.
    package var requests: [Request] { lock.withLock { log } }

    /// Answers the next request whose path ends with `suffix` (and is/is not a watch) with `status` and `body`.
    package func failNext(pathSuffix suffix: String, watch: Bool? = nil, status: Int, body: Data) {
        lock.withLock { failures.append((suffix, watch, status, body)) }
    }

    /// Makes every `continue` token expire (410), as after an etcd compaction.
    package func expireContinue(_ expire: Bool) {
        lock.withLock { expireContinueTokens = expire }
    }

    private func handle(_ request: Hummingbird.Request) async -> Response {
        let path = request.uri.path
        if path == "/healthz" { return text(200, "ok") }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let entry = Request(path: path, query: query, authorization: request.headers[.authorization])
        let (failure, token, expire) = lock.withLock { () -> ((suffix: String, watch: Bool?, status: Int, body: Data)?, String?, Bool) in
            log.append(entry)
            var failure: (suffix: String, watch: Bool?, status: Int, body: Data)?
            if let index = failures.firstIndex(where: { path.hasSuffix($0.suffix) && ($0.watch == nil || $0.watch == entry.isWatch) }) {
                failure = failures.remove(at: index)
            }
            return (failure, _requiredToken, expireContinueTokens)
        }
        if let token {
            let header = entry.authorization ?? ""
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1] == token else {
                return status(401, reason: "Unauthorized", message: "Unauthorized")
            }
        }
        if let failure {
            return Response(
                status: .init(code: failure.status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: failure.body)))
        }
        guard let (resource, namespace) = Self.route(path) else {
            return status(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let filter: FakeCluster.Filter
        do {
            filter = try FakeCluster.Filter(namespace: namespace, label: query["labelSelector"] ?? "", field: query["fieldSelector"] ?? "")
        } catch {
            return status(400, reason: "BadRequest", message: "\(error)")
        }
        if entry.isWatch { return watch(resource, filter: filter, query: query) }
        return list(resource, filter: filter, query: query, expire: expire)
    }

    /// `(resource, namespace)` from `/api/v1/[namespaces/NS/]R` or `/apis/G/V/[namespaces/NS/]R`.
    static func route(_ path: String) -> (String, String?)? {
        var parts = path.split(separator: "/").map(String.init)
        if parts.first == "api", parts.count >= 3 {
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 4 {
            parts.removeFirst(3)
        } else {
            return nil
        }
        if parts.count == 3, parts[0] == "namespaces" { return (parts[2], parts[1]) }
        if parts.count == 1 { return (parts[0], nil) }
        return nil
    }

    private func list(_ resource: String, filter: FakeCluster.Filter, query: [String: String], expire: Bool) -> Response {
        let items = cluster.list(resource, filter: filter)
        let limit = Int(query["limit"] ?? "") ?? 0
        var offset = 0
        var version = cluster.resourceVersion
        if let token = query["continue"], !token.isEmpty {
            if expire {
                return status(410, reason: "Expired", message: "The provided continue parameter is too old to display a consistent list result.")
            }
            let fields = token.split(separator: ":")
            version = Int(fields.first ?? "") ?? version
            offset = Int(fields.last ?? "") ?? 0
        }
        let end = limit > 0 ? min(items.count, offset + limit) : items.count
        var meta: [String: Any] = ["resourceVersion": String(version)]
        if end < items.count {
            meta["continue"] = "\(version):\(end)"
            meta["remainingItemCount"] = items.count - end
        }
        let page = items[offset..<end].compactMap { try? JSONSerialization.jsonObject(with: $0) }
        let kind = resource.prefix(1).uppercased() + resource.dropFirst().dropLast() + "List"
        let body: [String: Any] = ["kind": kind, "apiVersion": "v1", "metadata": meta, "items": page]
        return json(200, body)
    }

    private func watch(_ resource: String, filter: FakeCluster.Filter, query: [String: String]) -> Response {
        let requested = query["resourceVersion"] ?? ""
        let bookmarks = ["true", "1", "True"].contains(query["allowWatchBookmarks"] ?? "")
        let timeout = Int(query["timeoutSeconds"] ?? "").map { Duration.seconds($0) } ?? watchDuration
        let duration = min(timeout, watchDuration)
        let cluster = cluster
        let body = ResponseBody { writer in
            var version: Int
            if requested.isEmpty || requested == "0" {
                // No version: the current objects arrive first as synthetic ADDED events.
                version = cluster.resourceVersion
                for object in cluster.list(resource, filter: filter) {
                    try await writer.write(Self.line(type: "ADDED", object: object))
                }
            } else {
                version = Int(requested) ?? 0
                if version < cluster.compactedVersion {
                    let status: [String: Any] = [
                        "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                        "message": "too old resource version: \(version) (\(cluster.compactedVersion))", "reason": "Expired", "code": 410,
                    ]
                    try await writer.write(Self.line(type: "ERROR", object: try JSONSerialization.data(withJSONObject: status)))
                    try await writer.finish(nil)
                    return
                }
            }
            let deadline = ContinuousClock.now + duration
            while ContinuousClock.now < deadline {
                for event in cluster.events(resource, after: version, filter: filter) {
                    version = event.version
                    if event.type == "BOOKMARK" && !bookmarks { continue }
                    try await writer.write(Self.line(type: event.type, object: event.object))
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    static func line(type: String, object: Data) -> ByteBuffer {
        var buffer = ByteBuffer(string: "{\"type\":\"\(type)\",\"object\":")
        buffer.writeBytes(object)
        buffer.writeString("}\n")
        return buffer
    }

    private func json(_ code: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: .init(code: code), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func status(_ code: Int, reason: String, message: String) -> Response {
        json(code, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": message, "reason": reason, "code": code])
    }

    private func text(_ code: Int, _ body: String) -> Response {
        Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
