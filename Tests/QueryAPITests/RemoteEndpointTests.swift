import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsModel
import RemoteProtocol
import Scraper
import Testing
import TSDB

@testable import QueryAPI

@Suite("Remote write and read", .serialized)
struct RemoteEndpointTests {
    static func withAPI(receiver: Bool = true, _ body: @Sendable (any TestClientProtocol, DB) async throws -> Void) async throws {
        var options = APIServer.Options()
        options.enableRemoteWriteReceiver = receiver
        try await withTestAPI(server: { APIServer(db: $0, options: options) }, body)
    }

    static let headers: HTTPFields = [.contentType: "application/x-protobuf", .contentEncoding: "snappy"]

    @Test("snappy and protobuf round-trip, including negative timestamps and special floats")
    func codecs() throws {
        let request = RemoteWriteRequest(timeseries: [
            RemoteTimeSeries(labels: [("__name__", "up"), ("job", "a")], samples: [Sample(timestamp: -5, value: .infinity), Sample(timestamp: 1_700_000_000_000, value: -0.5)]),
            RemoteTimeSeries(labels: [("__name__", "ü")], samples: []),
        ])
        let wire = Snappy.compress(request.encode())
        #expect(try RemoteWriteRequest.decode(try Snappy.decompress(wire)) == request)
        #expect(Snappy.compress([]).count > 0)
        #expect(throws: Snappy.Failure.self) { try Snappy.decompress(Array("not-protobuf".utf8)) }
        #expect(throws: ProtobufReader.Failure.self) { try RemoteWriteRequest.decode([0x0a, 0x05, 0x01]) }
    }

    static func write(_ client: any TestClientProtocol, _ series: [RemoteTimeSeries]) async throws -> (HTTPResponse.Status, String) {
        let body = ByteBuffer(bytes: Snappy.compress(RemoteWriteRequest(timeseries: series).encode()))
        return try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: body) { response in
            (response.status, String(buffer: response.body))
        }
    }

    @Test("a request mixing good and bad samples stores the good ones and answers 400 naming the bad")
    func partialWrite() async throws {
        try await Self.withAPI { client, db in
            let first = try await Self.write(client, [
                RemoteTimeSeries(labels: [("__name__", "m"), ("s", "a")], samples: [Sample(timestamp: 1000, value: 1), Sample(timestamp: 2000, value: 2)]),
            ])
            #expect(first.0 == .noContent)
            let (status, body) = try await Self.write(client, [
                // out of order, then a second value for a stored timestamp, then a good one
                RemoteTimeSeries(labels: [("__name__", "m"), ("s", "a")], samples: [
                    Sample(timestamp: 500, value: 1), Sample(timestamp: 2000, value: 9), Sample(timestamp: 3000, value: 3),
                ]),
                RemoteTimeSeries(labels: [("job", "nameless")], samples: [Sample(timestamp: 3000, value: 1)]),
                RemoteTimeSeries(labels: [("__name__", "m"), ("s", "b")], samples: [Sample(timestamp: 3000, value: 4)]),
            ])
            #expect(status == .badRequest)
            #expect(body.hasPrefix("3 sample(s) refused, the rest stored: out of order sample for series"), "\(body)")
            #expect(body.contains("duplicate sample for timestamp"))
            #expect(body.contains("series without a metric name"))
            let stored = try db.select([try Matcher(.equal, "__name__", "m")], from: 0, through: 5000)
            #expect(stored.map { $0.1.map(\.timestamp) } == [[1000, 2000, 3000], [3000]])
            #expect(stored.first?.1.map(\.value) == [1, 2, 3])
        }
    }

    @Test("type numbers beyond Int in a write's metadata or a read's matcher and response types are answered, not a crash (found by fuzzing)")
    func hugeTypeNumbers() async throws {
        // WriteRequest { metadata: [{type: 2^64-1}] } and ReadRequest { queries: [{matchers: [{type: 2^64-1}]}], accepted: [2^64-1] }.
        let huge: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        let write: [UInt8] = [0x1a, 0x0b, 0x08] + huge
        let read: [UInt8] = [0x0a, 0x0e, 0x1a, 0x0c, 0x08] + huge + [0x12, 0x00] + [0x10] + huge
        try await Self.withAPI { client, _ in
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: ByteBuffer(bytes: Snappy.compress(write))) { response in
                #expect(response.status.code < 500)
            }
            try await client.execute(uri: "/api/v1/read", method: .post, headers: Self.headers, body: ByteBuffer(bytes: Snappy.compress(read))) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("label names and values that are not valid UTF-8 refuse their series with 400 and never merge two series into one")
    func invalidUTF8Labels() async throws {
        // Two series whose `job` values differ only in one invalid byte (0xff, 0xfe): read lossily,
        // both would be `a\u{FFFD}b`, one series. A placeholder byte is replaced after encoding.
        let series = [0xff, 0xfe, 0x80].map { _ in
            RemoteTimeSeries(labels: [("__name__", "m"), ("job", "a\u{01}b")], samples: [Sample(timestamp: 1000, value: 1)])
        } + [
            RemoteTimeSeries(labels: [("__name__", "m"), ("\u{01}", "x")], samples: [Sample(timestamp: 1000, value: 1)]),
            RemoteTimeSeries(labels: [("__name__", "m"), ("job", "good")], samples: [Sample(timestamp: 1000, value: 2)]),
        ]
        var wire = RemoteWriteRequest(timeseries: series).encode()
        var replacements: [UInt8] = [0xff, 0xfe, 0xc3]
        for index in wire.indices.dropFirst().dropLast() where wire[index - 1 ... index + 1] == [0x61, 0x01, 0x62] && !replacements.isEmpty {
            wire[index] = replacements.removeFirst()
        }
        #expect(replacements.isEmpty)
        let body = ByteBuffer(bytes: Snappy.compress(wire))
        let decoded = try RemoteWriteRequest.decode(wire)
        #expect(decoded.timeseries.map(\.invalidUTF8) == [
            #"the value of label "job" is not valid UTF-8: "a\xffb""#, #"the value of label "job" is not valid UTF-8: "a\xfeb""#,
            #"the value of label "job" is not valid UTF-8: "a\xc3b""#, nil, nil,
        ])
        try await Self.withAPI { client, db in
            let (status, text) = try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: body) { response in
                (response.status, String(buffer: response.body))
            }
            #expect(status == .badRequest)
            #expect(text.hasPrefix("3 sample(s) refused, the rest stored: invalid labels for series"), "\(text)")
            #expect(text.contains(#"is not valid UTF-8: "a\xffb""#) && text.contains(#""a\xfeb""#), "\(text)")
            let stored = try db.select([try Matcher(.equal, "__name__", "m")], from: 0, through: 5000)
            #expect(stored.map { $0.0["job"] ?? "" } == ["", "good"], "the series with name \\x01 (valid UTF-8) is stored; no lossy one")
        }
        // A label name that is not UTF-8 is refused the same way.
        var nameWire = RemoteWriteRequest(timeseries: [series[3]]).encode()
        // The name field: tag 0x0a, length 1, the byte.
        if let index = nameWire.indices.dropLast(2).first(where: { nameWire[$0 ... $0 + 2] == [0x0a, 0x01, 0x01] }) { nameWire[index + 2] = 0xff }
        #expect(try RemoteWriteRequest.decode(nameWire).timeseries.first?.invalidUTF8 == #"a label name is not valid UTF-8: "\xff""#)
    }

    @Test("written samples are stored and read back; garbage and out-of-order writes are refused with 400")
    func writeThenRead() async throws {
        try await Self.withAPI { client, db in
            let write = RemoteWriteRequest(timeseries: [
                RemoteTimeSeries(labels: [("__name__", "remote_metric"), ("cluster", "eu")], samples: [Sample(timestamp: 1000, value: 1), Sample(timestamp: 2000, value: 2)]),
            ])
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: ByteBuffer(bytes: Snappy.compress(write.encode()))) { response in
                #expect(response.status == .noContent)
            }
            #expect(try db.select([try Matcher(.equal, "cluster", "eu")], from: 0, through: 5000).first?.1.count == 2)
            // The same request again (a sender's retry) is accepted, and stores nothing twice.
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: ByteBuffer(bytes: Snappy.compress(write.encode()))) { response in
                #expect(response.status == .noContent)
            }
            #expect(try db.select([try Matcher(.equal, "cluster", "eu")], from: 0, through: 5000).first?.1.count == 2)
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: ByteBuffer(string: "not-protobuf")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == "snappy: corrupt input\n")
            }
            let nameless = RemoteWriteRequest(timeseries: [RemoteTimeSeries(labels: [("job", "x")], samples: [Sample(timestamp: 1, value: 1)])])
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: ByteBuffer(bytes: Snappy.compress(nameless.encode()))) { response in
                #expect(response.status == .badRequest)
            }

            // ReadRequest { queries: [{start 0, end 5000, matchers: [{EQ __name__ remote_metric}]}], accepted: [SAMPLES] }
            var matcher = ProtobufWriter()
            matcher.writeVarintField(1, 0)
            matcher.writeStringField(2, "__name__")
            matcher.writeStringField(3, "remote_metric")
            var query = ProtobufWriter()
            query.writeVarintField(1, 0)
            query.writeVarintField(2, 5000)
            query.writeBytesField(3, matcher.bytes)
            var read = ProtobufWriter()
            read.writeBytesField(1, query.bytes)
            read.writeVarintField(2, 0)
            try await client.execute(uri: "/api/v1/read", method: .post, headers: Self.headers, body: ByteBuffer(bytes: Snappy.compress(read.bytes))) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == "snappy")
                // A ReadResponse's QueryResult holds the same TimeSeries message a WriteRequest does.
                var reader = ProtobufReader(try Snappy.decompress(Array(buffer: response.body)))
                _ = try reader.readTag()
                let queryResult = try reader.readMessage()
                let result = try RemoteWriteRequest.decode(Array(queryResult.remaining))
                #expect(result.timeseries.first?.samples == [Sample(timestamp: 1000, value: 1), Sample(timestamp: 2000, value: 2)])
                #expect(result.timeseries.first?.labels.map(\.name) == ["__name__", "cluster"])
            }
            try await client.execute(uri: "/api/v1/read", method: .post, headers: Self.headers, body: ByteBuffer(string: "garbage")) { response in
                #expect(response.status == .badRequest)
            }
        }
        try await Self.withAPI(receiver: false) { client, _ in
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.headers, body: ByteBuffer(string: "x")) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
