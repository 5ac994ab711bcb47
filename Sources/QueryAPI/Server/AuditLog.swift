#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MetricsModel
import Synchronization

/// `--web.audit-log FILE`: one JSON line per audited request — admin, lifecycle and write requests,
/// and refused credentials always; every other request too with `--web.audit-log.queries`.
///
/// ```json
/// {"time":"2026-12-04T14:30:55.123Z","kind":"admin","client":"127.0.0.1:51234","user":"alice",
///  "certificate":"CN=grafana-client","method":"POST","path":"/api/v1/admin/tsdb/snapshot","status":200,"duration_seconds":0.0123}
/// ```
package final class AuditLog: Sendable {
    /// What a request is, for the `kind` field and for choosing what is logged.
    enum Kind: String {
        case admin, lifecycle, write, unauthorized, query, other
    }

    private let fd: Int32
    /// The file lines go to.
    package let path: String
    let includeQueries: Bool
    private let writeLock = Mutex(())

    /// Opens (creating, appending to) the file.
    package init(path: String, includeQueries: Bool) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AuditLogError(path: path, reason: String(cString: strerror(errno))) }
        self.path = path
        self.includeQueries = includeQueries
    }

    deinit { close(fd) }

    static func kind(path: String, status: Int) -> Kind {
        if status == 401 { return .unauthorized }
        if path.hasPrefix("/api/v1/admin/") { return .admin }
        if path == "/-/reload" || path == "/-/quit" { return .lifecycle }
        if path == "/api/v1/write" || path.hasPrefix("/api/v1/otlp/") { return .write }
        if path.hasPrefix("/api/v1/") || path == "/federate" { return .query }
        return .other
    }

    /// Whether a request of `kind` is written.
    func records(_ kind: Kind) -> Bool {
        switch kind {
        case .admin, .lifecycle, .write, .unauthorized: true
        case .query, .other: includeQueries
        }
    }

    struct Entry {
        var time: Date
        var kind: Kind
        var client: String
        var user: String?
        var certificate: String?
        var method: String
        var path: String
        var status: Int
        var seconds: Double
    }

    func write(_ entry: Entry) {
        var json = JSONBytes()
        json.append("{\"time\":")
        json.quoted(RFC3339.string(milliseconds: Int64(entry.time.timeIntervalSince1970 * 1000)))
        json.append(",\"kind\":")
        json.quoted(entry.kind.rawValue)
        json.append(",\"client\":")
        json.quoted(entry.client)
        if let user = entry.user {
            json.append(",\"user\":")
            json.quoted(user)
        }
        if let certificate = entry.certificate {
            json.append(",\"certificate\":")
            json.quoted(certificate)
        }
        json.append(",\"method\":")
        json.quoted(entry.method)
        json.append(",\"path\":")
        json.quoted(entry.path)
        json.append(",\"status\":")
        json.integer(Int64(entry.status))
        json.append(",\"duration_seconds\":")
        json.raw(Array(String(format: "%.6f", entry.seconds).utf8))
        json.append("}\n")
        let bytes = json.bytes
        // One write(2) per line on an O_APPEND descriptor: lines never interleave.
        writeLock.withLock { _ in _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
    }
}

struct AuditLogError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot open audit log \(path): \(reason)" }
}
