import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// Debian's Alertmanager 0.25 for a test, with a receiver that notifies nobody: the alerts it holds
/// are read back through its own API v2.
enum AlertmanagerPeer {
    static let binary = "/usr/bin/prometheus-alertmanager"
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    static let required = Testing.ConditionTrait.enabled(
        if: installed, "Debian's prometheus-alertmanager is not installed (scripts/install-deps installs it)")

    /// Runs an Alertmanager on a free port in `directory` for as long as `body` runs; `body` gets its base URL.
    static func with(in directory: URL, _ body: (String) async throws -> Void) async throws {
        let config = directory.appendingPathComponent("alertmanager.yml")
        try """
            route: {receiver: nobody, group_wait: 1s, group_interval: 1s}
            receivers: [{name: nobody}]
            """.write(to: config, atomically: true, encoding: .utf8)
        let port = ServerProcess.freePort()
        let server = try ServerProcess(executable: URL(fileURLWithPath: binary), arguments: [
            "--config.file=\(config.path)", "--storage.path=\(directory.appendingPathComponent("am-data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ])
        try await runThenTerminate(server) {
            let base = "http://127.0.0.1:\(port)"
            try #require(await eventually(within: underLoad) { await httpGet(base + "/-/ready")?.0 == 200 }, "alertmanager did not start: \(server.log().suffix(2000))")
            try await body(base)
        }
    }

    /// The alerts Alertmanager holds, as its API v2 lists them.
    static func alerts(_ base: String) async -> [[String: Any]]? {
        guard let (status, body) = await httpGet(base + "/api/v2/alerts"), status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]]
    }

    /// Alertmanager's alerts named `name` that are still active (not past their `endsAt`).
    static func active(_ base: String, named name: String) async -> [[String: Any]] {
        let now = Date()
        return (await alerts(base) ?? []).filter { alert in
            guard (alert["labels"] as? [String: String])?["alertname"] == name else { return false }
            guard let ends = (alert["endsAt"] as? String).flatMap(parseTime) else { return true }
            return ends > now
        }
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}

/// `toolbox_flag{svc="api"}` served by a Python process, so a busy test process (whose cooperative
/// pool other tests can hold) never makes a scrape time out: its value is 1 inside any of `windows`
/// (seconds after the time written into `clockFile`, 0 before the file exists) and 0 outside.
/// Stopped when the returned process is released.
enum FlagExporter {
    static func start(port: Int, windows: [ClosedRange<Double>], clockFile: URL) throws -> ServerProcess {
        let script = """
            import http.server, json, os, sys, time
            windows = json.loads(sys.argv[2]); clock = sys.argv[3]
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    value = 0
                    if os.path.exists(clock):
                        elapsed = time.time() - float(open(clock).read() or "0")
                        value = int(any(lo <= elapsed < hi for lo, hi in windows))
                    body = ('toolbox_flag{svc="api"} %d\\n' % value).encode()
                    self.send_response(200); self.send_header("Content-Type", "text/plain; version=0.0.4")
                    self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def log_message(self, *a): pass
            http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        let windowsJSON = "[" + windows.map { "[\($0.lowerBound), \($0.upperBound)]" }.joined(separator: ",") + "]"
        return try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c", script, String(port), windowsJSON, clockFile.path])
    }

    /// Starts the schedule now.
    static func startClock(_ clockFile: URL) throws -> Date {
        let now = Date()
        try String(now.timeIntervalSince1970).write(to: clockFile, atomically: true, encoding: .utf8)
        return now
    }
}
