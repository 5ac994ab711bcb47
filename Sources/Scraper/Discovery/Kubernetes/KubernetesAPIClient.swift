import AsyncHTTPClient
import Config
import Foundation
import MetricsModel
import NIOCore
import NIOHTTP1
import NIOSSL

/// Lists and watches API resources over HTTP(S), as client-go's reflector does, in JSON.
struct KubernetesAPIClient: Sendable {
    /// Where the API server is and how to authenticate to it.
    struct Connection: Sendable {
        var baseURL: String
        var http: HTTPClientConfig
        /// The in-cluster service-account token, re-read on every request (the kubelet rotates it).
        var tokenFile: String?
        /// The namespace the agent runs in (in-cluster only), for `own_namespace`.
        var ownNamespace: String?

        /// The service-account directory; `METRICSD_SERVICE_ACCOUNT_DIR` overrides it for tests.
        static func serviceAccountDirectory(_ environment: [String: String]) -> String {
            environment["METRICSD_SERVICE_ACCOUNT_DIR"] ?? "/var/run/secrets/kubernetes.io/serviceaccount"
        }

        /// An explicit `api_server`, or the in-cluster configuration from the environment.
        static func resolve(_ config: KubernetesSDConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws
            -> Connection
        {
            if let apiServer = config.apiServer {
                return Connection(baseURL: apiServer.hasSuffix("/") ? String(apiServer.dropLast()) : apiServer, http: config.http)
            }
            guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"],
                !host.isEmpty, !port.isEmpty
            else {
                throw DiscoveryError(
                    "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (or set api_server)")
            }
            let directory = serviceAccountDirectory(environment)
            var http = HTTPClientConfig()
            let caFile = "\(directory)/ca.crt"
            if FileManager.default.fileExists(atPath: caFile) { http.tlsConfig.caFile = caFile }
            let namespace = try? String(contentsOfFile: "\(directory)/namespace", encoding: .utf8)
            let hostPart = host.contains(":") ? "[\(host)]" : host
            return Connection(
                baseURL: "https://\(hostPart):\(port)", http: http, tokenFile: "\(directory)/token",
                ownNamespace: namespace?.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        func authorization() throws -> String? {
            if let tokenFile { return "Bearer " + (try HTTPClientConfig.readSecret(tokenFile)) }
            return try http.authorizationHeader()
        }
    }

    /// What a request selects.
    struct Scope: Sendable, Hashable {
        var resource: KubernetesStore.Resource
        var namespace: String?
        var labelSelector = ""
        var fieldSelector = ""
    }

    struct ListResult {
        var items: [[UInt8]]
        var resourceVersion: String
    }

    struct WatchEvent {
        var type: String
        var object: [UInt8]
        var resourceVersion: String?
        var status: Kubernetes.Status?
    }

    let connection: Connection
    let client: HTTPClient
    let userAgent = "ToolboxMetrics/\(BuildInfo.version)"

    /// Lists every object in pages of `pageSize`, following `continue` tokens. An expired token
    /// (410) restarts the list from scratch, once.
    func list(_ scope: Scope, pageSize: Int = 500) async throws -> ListResult {
        var items: [[UInt8]] = []
        var continueToken: String?
        var restarted = false
        var listVersion = ""
        while true {
            var query = selectorQuery(scope) + [("limit", String(pageSize))]
            if let continueToken { query.append(("continue", continueToken)) }
            let body: [UInt8]
            do {
                body = try await get(scope.resource.path(namespace: scope.namespace), query: query, limit: 512 << 20)
            } catch let error as KubernetesAPIError where error.code == 410 && continueToken != nil && !restarted {
                restarted = true
                continueToken = nil
                items.removeAll()
                continue
            }
            guard let list = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw DiscoveryError("list \(scope.resource.rawValue): response is not a JSON object")
            }
            for item in list["items"] as? [Any] ?? [] {
                items.append(Array(try JSONSerialization.data(withJSONObject: item)))
            }
            let meta = list["metadata"] as? [String: Any] ?? [:]
            if continueToken == nil { listVersion = meta["resourceVersion"] as? String ?? "" }
            guard let next = meta["continue"] as? String, !next.isEmpty else { break }
            continueToken = next
        }
        return ListResult(items: items, resourceVersion: listVersion)
    }

    /// Streams watch events from `resourceVersion` until the server ends the watch (after
    /// `timeoutSeconds`) or the task is cancelled.
    func watch(_ scope: Scope, resourceVersion: String, timeoutSeconds: Int, onEvent: (WatchEvent) throws -> Void) async throws {
        var query = selectorQuery(scope)
        query += [
            ("watch", "true"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(timeoutSeconds)),
        ]
        let request = try makeRequest(scope.resource.path(namespace: scope.namespace), query: query)
        let response = try await client.execute(request, timeout: .seconds(Int64(timeoutSeconds) + 30))
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw KubernetesAPIError(status: response.status, body: Array(buffer: body))
        }
        // Events are newline-delimited JSON; chunk boundaries need not match event boundaries.
        var pending: [UInt8] = []
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[start..<newline]
                start = newline + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0d }) { continue }
                try onEvent(try Self.decodeEvent(Array(line)))
            }
            pending.removeFirst(start)
            if pending.count > 64 << 20 { throw DiscoveryError("watch \(scope.resource.rawValue): event larger than 64 MiB") }
        }
        if !pending.isEmpty, !pending.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d }) {
            try onEvent(try Self.decodeEvent(pending))
        }
    }

    static func decodeEvent(_ line: [UInt8]) throws -> WatchEvent {
        guard let event = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let type = event["type"] as? String,
            let object = event["object"]
        else {
            throw DiscoveryError("malformed watch event: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        let objectData = try JSONSerialization.data(withJSONObject: object)
        let meta = (object as? [String: Any])?["metadata"] as? [String: Any]
        var status: Kubernetes.Status?
        if type == "ERROR" { status = try? JSONDecoder().decode(Kubernetes.Status.self, from: objectData) }
        return WatchEvent(type: type, object: Array(objectData), resourceVersion: meta?["resourceVersion"] as? String, status: status)
    }

    private func selectorQuery(_ scope: Scope) -> [(String, String)] {
        var query: [(String, String)] = []
        if !scope.labelSelector.isEmpty { query.append(("labelSelector", scope.labelSelector)) }
        if !scope.fieldSelector.isEmpty { query.append(("fieldSelector", scope.fieldSelector)) }
        return query
    }

    private func get(_ path: String, query: [(String, String)], limit: Int) async throws -> [UInt8] {
        let request = try makeRequest(path, query: query)
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: limit)
        guard response.status == .ok else { throw KubernetesAPIError(status: response.status, body: Array(buffer: body)) }
        return Array(buffer: body)
    }

    private func makeRequest(_ path: String, query: [(String, String)]) throws -> HTTPClientRequest {
        let queryText = query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: connection.baseURL + path + (queryText.isEmpty ? "" : "?" + queryText))
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        if let authorization = try connection.authorization() { request.headers.add(name: "Authorization", value: authorization) }
        request.tlsConfiguration = try connection.http.tlsConfig.nioConfiguration()
        return request
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A non-200 answer from the API server, with its `Status` when the body is one.
struct KubernetesAPIError: Error, CustomStringConvertible {
    let code: Int
    let status: Kubernetes.Status?

    init(status: HTTPResponseStatus, body: [UInt8]) {
        code = Int(status.code)
        self.status = try? JSONDecoder().decode(Kubernetes.Status.self, from: Data(body))
    }

    init(watchStatus: Kubernetes.Status) {
        code = watchStatus.code ?? 500
        status = watchStatus
    }

    var description: String {
        var text = "kubernetes API returned \(code)"
        if let reason = status?.reason { text += " \(reason)" }
        if let message = status?.message { text += ": \(message)" }
        return text
    }

    /// 410 Gone/Expired: the resourceVersion is too old; list again.
    var isExpired: Bool { code == 410 }
}

/// A discovery failure described for the log.
struct DiscoveryError: Error, CustomStringConvertible, Sendable {
    package let description: String
    init(_ description: String) { self.description = description }
}
