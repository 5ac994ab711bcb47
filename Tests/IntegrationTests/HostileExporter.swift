import Foundation
import Hummingbird
import ServerTestSupport
import TestSupport

/// A scrape target that misbehaves in one way per path, for `HostileTargetTests`. Every stream is
/// bounded (in bytes and in time), so a scraper that failed to cut it would still end.
enum HostileExporter {
    /// The bodies, by path.
    static func start(port: Int, gzipBomb: [UInt8]) async throws -> TestServer {
        // Bodies are made once: the exporter must stay cheap, or a slow exporter (not metricsd)
        // would make the healthy target late.
        let endlessPiece = ByteBuffer(string: String(repeating: "endless_metric{n=\"1\"} 1\n", count: 2_700))
        var million: [ByteBuffer] = []
        for block in 0..<100 {
            var piece = ""
            piece.reserveCapacity(400_000)
            for i in 0..<10_000 { piece += "million_metric{n=\"\(block * 10_000 + i)\"} 1\n" }
            million.append(ByteBuffer(string: piece))
        }
        let millionBody = million
        let router = Router()
        let text: HTTPFields = [.contentType: "text/plain; version=0.0.4"]
        router.get("/good") { _, _ in Response(status: .ok, headers: text, body: .init(byteBuffer: ByteBuffer(string: "good_metric 1\n"))) }
        // One byte every 200 ms, for at most 60 s.
        router.get("/trickle") { _, _ in
            Response(status: .ok, headers: text, body: ResponseBody { writer in
                for byte in String(repeating: "trickle_metric 1\n", count: 20).utf8.prefix(300) {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await writer.finish(nil)
            })
        }
        // A body without end: 64 KiB pieces up to 2 GiB.
        router.get("/endless") { _, _ in
            Response(status: .ok, headers: text, body: ResponseBody { writer in
                for _ in 0..<32_768 { try await writer.write(endlessPiece) }
                try await writer.finish(nil)
            })
        }
        router.get("/gzipbomb") { _, _ in
            Response(status: .ok, headers: text + [.contentEncoding: "gzip"], body: .init(byteBuffer: ByteBuffer(bytes: gzipBomb)))
        }
        // One series whose label value is 1 MB.
        router.get("/biglabel") { _, _ in
            Response(status: .ok, headers: text, body: .init(byteBuffer: ByteBuffer(string: "big_label_metric{v=\"\(String(repeating: "x", count: 1 << 20))\"} 1\n")))
        }
        // A label value with bytes that are not UTF-8.
        router.get("/invalidutf8") { _, _ in
            Response(status: .ok, headers: text, body: .init(byteBuffer: ByteBuffer(bytes: Array("utf8_metric{v=\"a".utf8) + [0xff, 0xfe] + Array("b\"} 1\n".utf8))))
        }
        // A million series in one scrape (about 30 MB).
        router.get("/million") { _, _ in
            Response(status: .ok, headers: text, body: .init(contentsOf: millionBody))
        }
        // The same series twice with different values, and one far in the future.
        router.get("/duplicates") { _, _ in
            let future = Int64(Date().timeIntervalSince1970 * 1000) + 365 * 86_400_000
            return Response(status: .ok, headers: text, body: .init(byteBuffer: ByteBuffer(string:
                "dup_metric 1\ndup_metric 2\nfuture_metric 1 \(future)\nnormal_metric 1\n")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let server = TestServer(app)
        _ = await eventually(within: 10) { await httpGet("http://127.0.0.1:\(port)/good") != nil }
        return server
    }

    /// A gzip body of `megabytes` MiB of zero bytes, made with Python's gzip module (a few MB).
    static func gzipBomb(megabytes: Int, in directory: URL) throws -> [UInt8] {
        let file = directory.appendingPathComponent("bomb.gz")
        let script = "import gzip\nwith gzip.open('\(file.path)', 'wb', 9) as f:\n    block = bytes(1 << 20)\n    for _ in range(\(megabytes)): f.write(block)\n"
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script])
        guard result.status == 0 else { throw POSIXError(.EIO) }
        return Array(try Data(contentsOf: file))
    }
}
