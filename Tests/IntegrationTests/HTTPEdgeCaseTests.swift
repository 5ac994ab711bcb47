import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Issue 18's hostile and unusual HTTP clients against the shipped `metricsd`, each answered as Go's
/// server answers Prometheus's clients (measured against Prometheus 2.42 in docs/reliability.md):
/// HTTP/1.0, unknown methods, 1 MB URLs, oversized headers and bodies, and slow clients.
@Suite("metricsd HTTP edge cases", .serialized)
struct HTTPEdgeCaseTests {
    static func withServer(_ body: (Int, String) async throws -> Void) async throws {
        let store = try DataSafetyTests.Store()
        let server = try await DataSafetyTests.start(store, arguments: ["--web.read-timeout", "2s"])
        defer { server.process.stop() }
        let port = Int(server.base.split(separator: ":").last!)!
        try await body(port, server.base)
        #expect(await DataSafetyTests.healthy(server.base), "metricsd is down afterwards: \(server.process.log().suffix(1500))")
    }

    static func statusLine(_ text: String) -> String { String(text.split(separator: "\r\n").first ?? "") }

    @Test("HTTP/1.0 is answered in HTTP/1.0 and closed, unless it asks for keep-alive")
    func http10() async throws {
        try await Self.withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /api/v1/query?query=1%2B1&time=1 HTTP/1.0\r\nHost: x\r\n\r\n")
            let answer = client.readUntilClosed(timeout: 5)
            #expect(answer.closed && answer.seconds < 2, "\(answer)")
            #expect(Self.statusLine(answer.text) == "HTTP/1.0 200 OK")
            #expect(answer.text.hasSuffix(#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#), "\(answer.text)")

            let kept = try RawHTTPClient(port: port)
            try kept.send("GET /-/healthy HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /-/ready HTTP/1.0\r\n\r\n")
            let both = kept.readUntilClosed(timeout: 5)
            #expect(both.closed && both.text.components(separatedBy: "HTTP/1.0 200 OK").count == 3, "\(both)")
        }
    }

    @Test("malformed requests get a status and a body saying why, then the connection closes", arguments: [
        ("BREW /api/v1/query HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 Method Not Allowed", "method not allowed"),
        ("GET /api/v1/query?query=" + String(repeating: "x", count: 1_100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
         "HTTP/1.1 431 Request Header Fields Too Large", "request line and headers are over 1052672 bytes"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "y", count: 1_100_000) + "\r\n\r\n",
         "HTTP/1.1 431 Request Header Fields Too Large", "over 1052672 bytes"),
        ("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "HTTP/1.1 400 Bad Request", "malformed HTTP request"),
    ])
    func malformed(request: String, status: String, body: String) async throws {
        try await Self.withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            try? client.send(request)
            let answer = client.readUntilClosed(timeout: 5)
            #expect(answer.closed, "\(answer.text.prefix(300))")
            #expect(Self.statusLine(answer.text) == status)
            #expect(answer.text.contains(body), "\(answer.text.prefix(300))")
        }
    }

    @Test("a 1 MB query in a GET URL is answered, as Prometheus answers it")
    func longURL() async throws {
        try await Self.withServer { _, base in
            let query = "up%7Bjob%3D%22" + String(repeating: "x", count: 1_000_000) + "%22%7D"
            let answer = await httpGet(base + "/api/v1/query?time=1&query=" + query, timeout: 60)
            #expect(answer?.0 == 200, "\(String(describing: answer).prefix(300))")
        }
    }

    @Test("a body over the limit is refused with 413 and the connection closed, while the client is still sending")
    func bodyTooLarge() async throws {
        try await Self.withServer { port, base in
            let size = 64 << 20
            let client = try RawHTTPClient(port: port)
            try client.send("POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(size)\r\n\r\nquery=")
            // Send up to the whole body in 1 MiB pieces; the server answers and closes long before.
            let piece = [UInt8](repeating: UInt8(ascii: "1"), count: 1 << 20)
            for _ in 0..<64 { if (try? client.send(piece)) == nil { break } }
            let answer = client.readUntilClosed(timeout: 10)
            #expect(answer.closed)
            #expect(Self.statusLine(answer.text) == "HTTP/1.1 413 Content Too Large" || Self.statusLine(answer.text) == "HTTP/1.1 413 Payload Too Large",
                    "\(answer.text.prefix(300))")
            #expect(answer.text.contains("request body too large (limit 16777216 bytes)"))
            // Remote write's limit answers the same way.
            let write = await httpPost(base + "/api/v1/write", body: Data(count: 80 << 20), headers: ["Content-Type": "application/x-protobuf"], timeout: 30)
            #expect(write?.0 == 413 || write == nil, "\(String(describing: write).prefix(200))")
        }
    }

    @Test("a client trickling its headers, or idle between requests, is cut at --web.read-timeout; a slow query is not")
    func slowClients() async throws {
        try await Self.withServer { port, base in
            let trickler = try RawHTTPClient(port: port)
            let started = Date()
            var cut = false
            for byte in "GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-Slow: \(String(repeating: "a", count: 40))\r\n\r\n".utf8 {
                if (try? trickler.send([byte])) == nil { cut = true; break }
                if trickler.readUntilClosed(timeout: 0.25).closed { cut = true; break }
            }
            let elapsed = Date().timeIntervalSince(started)
            #expect(cut && elapsed > 1.5 && elapsed < 5, "cut \(cut) after \(elapsed) s")

            let idle = try RawHTTPClient(port: port)
            try idle.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = idle.readUntilClosed(timeout: 8)
            #expect(answer.closed && answer.seconds > 1.5 && answer.seconds < 5, "\(answer)")
            #expect(Self.statusLine(answer.text) == "HTTP/1.1 200 OK")
            // At least these two (the test's HTTP client may keep an idle connection of its own, cut too).
            #expect(await DataSafetyTests.selfMetric(base, "metricsd_http_read_timeouts_total") ?? 0 >= 2)

            // A query that runs past the read timeout was read whole: it is answered.
            let began = Date()
            let slow = await httpGet(base + "/api/v1/query?time=40000000&query=count_over_time(vector(1)%5B30000000s:1s%5D)", timeout: 60)
            #expect(Date().timeIntervalSince(began) > 2, "the query must outlast the read timeout to show anything")
            #expect(slow?.0 == 200, "\(String(describing: slow).prefix(200))")
        }
    }
}
