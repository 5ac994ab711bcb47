import Foundation
import Hummingbird
import Synchronization
import ServerTestSupport
import Testing
import TestSupport

extension TSQIntegrationTests {
    /// tsq as a user meets it: exit codes and messages for bad input, output formats, the terminal
    /// chart, checks, and the HTTP client's authentication and timeout.
    @Suite("tsq on the command line", .serialized)
    struct TSQCommandLineTests {
        /// No stack traces, no crash reports: only tsq's own messages.
        static func expectClean(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
            for marker in ["Fatal error", "Stack dump", "Current stack trace", "Illegal instruction", "Segmentation fault"] {
                #expect(!result.stderr.contains(marker), "\(result.stderr)", sourceLocation: sourceLocation)
            }
        }

        @Test("bad input gives a clear message and the documented exit code")
        func badInput() async throws {
            let directory = try makeTemporaryDirectory("tsq-bad")
            defer { removeTemporaryDirectory(directory) }
            let data = directory.appendingPathComponent("data").path
            let imported = try await tsq(["import", try TSQDataset().write(to: directory), "--data-dir", data])
            try #require(imported.status == 0, "\(imported.stderr)")

            let unparsable = try await tsq(["query", "sum by (job) (rate(x[5m]) +", "--data-dir", data])
            #expect(unparsable.status == 1)
            #expect(unparsable.stderr == """
                tsq: bad_data: invalid parameter "query": 1:28: parse error: unclosed left parenthesis
                  sum by (job) (rate(x[5m]) +
                                             ^

                """, "\(unparsable.stderr)")

            let unknownFlag = try await tsq(["query", "up", "--frobnicate"])
            #expect(unknownFlag.status == 2 && unknownFlag.stderr.contains("Unknown option '--frobnicate'"), "\(unknownFlag.stderr)")

            let unreachable = try await tsq(["query", "up", "--url", "http://127.0.0.1:\(ServerProcess.freePort())"])
            #expect(unreachable.status == 3 && unreachable.stderr.contains("cannot reach http://127.0.0.1:"), "\(unreachable.stderr)")

            let badTime = try await tsq(["query", "up", "--time", "last tuesday", "--data-dir", data])
            #expect(badTime.status == 2 && badTime.stderr.contains(#"--time: cannot parse "last tuesday" as a time"#), "\(badTime.stderr)")

            let missing = try await tsq(["query", "up", "--data-dir", directory.path + "/nope"])
            #expect(missing.status == 3 && missing.stderr == "tsq: --data-dir: \(directory.path)/nope: no such data directory\n", "\(missing.stderr)")

            let notStore = try await tsq(["query", "up", "--data-dir", directory.path])
            #expect(notStore.status == 3 && notStore.stderr.contains("is not a ToolboxMetrics data directory"), "\(notStore.stderr)")

            let bothSources = try await tsq(["query", "up", "--data-dir", data, "--url", "http://127.0.0.1:9"])
            #expect(bothSources.status == 2, "\(bothSources.stderr)")

            let rangeType = try await tsq(["query", "http_requests_total[5m]", "--start", "now-1h", "--data-dir", data])
            #expect(rangeType.status == 1 && rangeType.stderr.contains("invalid expression type \"range vector\" for range query"), "\(rangeType.stderr)")

            for result in [unparsable, unknownFlag, unreachable, badTime, missing, notStore, bothSources, rangeType] { Self.expectClean(result) }
            #expect(try await tsq(["--help"]).stdout.contains("3  the server is unreachable or timed out, or --data-dir is unreadable"))
        }

        @Test("every output format prints the same vector its own way")
        func formats() async throws {
            let directory = try makeTemporaryDirectory("tsq-formats")
            defer { removeTemporaryDirectory(directory) }
            let dataset = TSQDataset()
            let data = directory.appendingPathComponent("data").path
            _ = try await tsq(["import", try dataset.write(to: directory), "--data-dir", data])
            let query = ["query", #"http_requests_total{instance="api-0:8008"}"#, "--time", String(dataset.instant), "--data-dir", data]
            let table = try await tsq(query + ["-o", "table"]).stdout.split(separator: "\n")
            #expect(table.first?.hasPrefix("METRIC") == true && table.first?.hasSuffix("VALUE  TIMESTAMP") == true)
            #expect(table.count == 3 && table[1].hasPrefix(#"http_requests_total{code="200", instance="api-0:8008", job="api"}"#))
            let csv = try await tsq(query + ["-o", "csv"]).stdout.split(separator: "\n")
            #expect(csv.first == "__name__,code,instance,job,value,timestamp" && csv.count == 3 && csv[1].hasSuffix(",\(dataset.instant)"))
            let prom = try await tsq(query + ["-o", "prom"]).stdout.split(separator: "\n")
            #expect(prom.count == 2 && prom[0].hasPrefix(#"http_requests_total{code="200",instance="api-0:8008",job="api"} "#) && prom[0].hasSuffix(" \(dataset.instant)000"))
            // Piped, the default is JSON: the data object.
            #expect(try await tsq(query).stdout.hasPrefix(#"{"resultType":"vector","result":["#))
            // Long results are cut with a note on stderr, unless --limit 0.
            let limited = try await tsq(["series", "{__name__=~\".+\"}", "-o", "prom", "--limit", "2", "--data-dir", data])
            #expect(limited.stdout.split(separator: "\n").count == 2 && limited.stderr.contains("showing 2 of 11 series; --limit 0 shows all"), "\(limited.stderr)")
            #expect(try await tsq(["series", "{__name__=~\".+\"}", "-o", "prom", "--limit", "0", "--data-dir", data]).stdout.split(separator: "\n").count == 11)
            // The server's annotations go to stderr, the result to stdout.
            let annotated = try await tsq(["query", "rate(temperature_celsius[5m])", "--time", String(dataset.instant), "-o", "prom", "--data-dir", data])
            #expect(annotated.status == 0 && annotated.stdout.hasPrefix(#"{room="lab"} "#), "\(annotated.stdout)")
            #expect(annotated.stderr.hasPrefix("info: PromQL info: metric might not be a counter"), "\(annotated.stderr)")
            let formatted = try await tsq(["format", "sum by(code)(rate(http_requests_total[5m]))"])
            #expect(formatted.stdout == "sum by (code) (rate(http_requests_total[5m]))\n")
        }

        @Test("the chart fits $COLUMNS, has ticks, time labels and a legend, and has colours only when asked", arguments: [40, 80, 200])
        func chart(columns: Int) async throws {
            let directory = try makeTemporaryDirectory("tsq-chart")
            defer { removeTemporaryDirectory(directory) }
            let dataset = TSQDataset()
            let data = directory.appendingPathComponent("data").path
            _ = try await tsq(["import", try dataset.write(to: directory), "--data-dir", data])
            let result = try await tsq(
                ["query", "sum by (code) (rate(http_requests_total[5m]))", "--start", String(dataset.start), "--end", String(dataset.end), "--chart", "--data-dir", data],
                environment: ["COLUMNS": String(columns), "NO_COLOR": "1"])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.allSatisfy { $0.count <= columns }, "a line is wider than \(columns):\n\(result.stdout)")
            #expect(lines.contains { $0.contains("┤") } && lines.contains { $0.contains("└") && $0.contains("┬") })
            #expect(lines.contains { $0.range(of: #"\d\d:\d\d"#, options: .regularExpression) != nil })
            #expect(lines.contains { $0.contains(#"{code="200"}"#) || $0.contains("…") })
            #expect(lines.contains { $0.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) } }, "no braille dots drawn")
            #expect(!result.stdout.contains("\u{1B}["), "colours without a terminal")
        }

        @Test("tsq check config reports every problem with file, line and key; the platform config passes")
        func checkConfig() async throws {
            let directory = try makeTemporaryDirectory("tsq-check")
            defer { removeTemporaryDirectory(directory) }
            let good = directory.appendingPathComponent("platform.yml")
            try PlatformConfig.blockStyle.write(to: good, atomically: true, encoding: .utf8)
            let passed = try await tsq(["check", "config", good.path])
            #expect(passed.status == 0 && passed.stdout.contains("SUCCESS: 2 scrape configs"), "\(passed.stdout)\(passed.stderr)")
            let bad = directory.appendingPathComponent("bad.yml")
            try "scrape_configs:\n- job_name: a\n  scrape_intervall: 5s\n- job_name: b\n  relabel_configs: [{action: explode}]\n"
                .write(to: bad, atomically: true, encoding: .utf8)
            let failed = try await tsq(["check", "config", bad.path])
            #expect(failed.status == 1)
            #expect(failed.stdout.contains("\(bad.path):3: scrape_configs[0].scrape_intervall: field scrape_intervall not found"), "\(failed.stdout)")
            #expect(failed.stdout.contains("\(bad.path):5: scrape_configs[1].relabel_configs[0].action: unknown relabel action"), "\(failed.stdout)")
        }

        @Test("tsq check metrics lints stdin as promtool check metrics does")
        func checkMetrics() async throws {
            let clean = try await tsq(["check", "metrics"], stdin: "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n")
            #expect(clean.status == 0 && clean.stdout.isEmpty, "\(clean.stdout)\(clean.stderr)")
            let lint = try await tsq(["check", "metrics"], stdin: "# TYPE jobs counter\njobs 3\n# HELP wait_milliseconds W.\n# TYPE wait_milliseconds gauge\nwait_milliseconds 1\n")
            #expect(lint.status == 1)
            #expect(lint.stdout == """
                jobs counter metrics should have "_total" suffix
                jobs no help text
                wait_milliseconds use base unit "seconds" instead of "milliseconds"

                """, "\(lint.stdout)")
            let broken = try await tsq(["check", "metrics"], stdin: "jobs{a=\"b\" 3\n")
            #expect(broken.status == 1 && broken.stderr.contains("error while linting: line 1"), "\(broken.stderr)")
            Self.expectClean(broken)
        }

        /// A stand-in API that records each request's Authorization header and answers a fixed vector,
        /// or sleeps past the client's timeout on `/api/v1/query` with `query=slow`.
        static func withRecordingAPI(_ body: (String, @Sendable () -> [String]) async throws -> Void) async throws {
            let seen = RecordedHeaders()
            let router = Router()
            router.post("/api/v1/query") { request, _ -> Response in
                seen.append(request.headers[.authorization] ?? "")
                let form = String(buffer: try await request.body.collect(upTo: 1 << 16))
                if form.contains("query=slow") { try await Task.sleep(for: .seconds(5)) }
                let body = #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1700000000,"1"]}]}}"#
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            let port = ServerProcess.freePort()
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
            let server = TestServer(app)
            defer { server.cancel() }
            let base = "http://127.0.0.1:\(port)"
            #expect(await eventually(within: 10) {
                await httpPost(base + "/api/v1/query", body: Data("query=up".utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"]) != nil
            })
            try await body(base) { seen.all }
        }

        @Test("bearer token, basic auth and an http_config file reach the server; a slow server times out with exit 3")
        func httpClientSettings() async throws {
            let directory = try makeTemporaryDirectory("tsq-auth")
            defer { removeTemporaryDirectory(directory) }
            let token = directory.appendingPathComponent("token")
            try "s3cret\n".write(to: token, atomically: true, encoding: .utf8)
            let password = directory.appendingPathComponent("password")
            try "hunter2".write(to: password, atomically: true, encoding: .utf8)
            let httpConfig = directory.appendingPathComponent("http.yml")
            try "authorization:\n  type: Bearer\n  credentials_file: token\n".write(to: httpConfig, atomically: true, encoding: .utf8)
            try await Self.withRecordingAPI { base, seen in
                let before = seen().count
                #expect(try await tsq(["query", "up", "-o", "json", "--url", base, "--bearer-token-file", token.path]).status == 0)
                #expect(try await tsq(["query", "up", "-o", "json", "--url", base, "--basic-auth", "admin:\(password.path)"]).status == 0)
                #expect(try await tsq(["query", "up", "-o", "json", "--url", base, "--http.config.file", httpConfig.path]).status == 0)
                #expect(try await tsq(["query", "up", "-o", "json"], environment: ["TSQ_URL": base]).status == 0)
                #expect(Array(seen().dropFirst(before)) == ["Bearer s3cret", "Basic YWRtaW46aHVudGVyMg==", "Bearer s3cret", ""])
                let slow = try await tsq(["query", "slow", "--url", base, "--timeout", "1s"])
                #expect(slow.status == 3 && slow.stderr.contains("no answer within 1s"), "\(slow.stderr)")
            }
        }
    }
}

/// Request headers a stand-in server saw, in order.
final class RecordedHeaders: Sendable {
    private let list = Mutex<[String]>([])
    func append(_ value: String) { list.withLock { $0.append(value) } }
    var all: [String] { list.withLock { $0 } }
}

extension TSQIntegrationTests {
    /// tsq over HTTPS, against a Python server with a self-signed certificate for 127.0.0.1.
    @Suite("tsq over TLS", .serialized,
           .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"))
    struct TSQTLSTests {
        static let server = """
            import http.server, ssl, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    body = b'{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            httpd = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[2], sys.argv[3])
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
            httpd.serve_forever()
            """

        @Test("--ca-file trusts the server's certificate, --insecure-skip-verify skips the check, and neither fails with exit 3")
        func caFile() async throws {
            let directory = try makeTemporaryDirectory("tsq-tls")
            defer { removeTemporaryDirectory(directory) }
            let (cert, key) = (directory.appendingPathComponent("cert.pem").path, directory.appendingPathComponent("key.pem").path)
            let made = try await runCommandDetached(URL(fileURLWithPath: "/usr/bin/openssl"), [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
            ])
            try #require(made.status == 0, "\(made.stderr)")
            let script = directory.appendingPathComponent("server.py")
            try Self.server.write(to: script, atomically: true, encoding: .utf8)
            let port = ServerProcess.freePort()
            let server = try ServerProcess(executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", script.path, String(port), cert, key])
            try await runThenTerminate(server) { try await Self.check(port: port, cert: cert, server: server) }
        }

        static func check(port: Int, cert: String, server: ServerProcess) async throws {
            let base = "https://127.0.0.1:\(port)"
            let trusted = await eventually(within: 10) {
                (try? await tsq(["query", "42", "-o", "prom", "--url", base, "--ca-file", cert]))?.stdout == "scalar 42 1700000000000\n"
            }
            #expect(trusted, "tsq --ca-file never got the answer: \(server.log().suffix(500))")
            let insecure = try await tsq(["query", "42", "-o", "prom", "--url", base, "--insecure-skip-verify"])
            #expect(insecure.status == 0 && insecure.stdout == "scalar 42 1700000000000\n", "\(insecure.stderr)")
            let untrusted = try await tsq(["query", "42", "-o", "prom", "--url", base])
            #expect(untrusted.status == 3 && untrusted.stderr.contains("cannot reach \(base): TLS: the server's certificate is not trusted"),
                    "\(untrusted.stderr)")
        }
    }
}
