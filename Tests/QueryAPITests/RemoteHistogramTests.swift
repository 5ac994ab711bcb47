import Foundation
import Hummingbird
import HummingbirdTesting
import MetricsModel
import RemoteProtocol
import Testing
import TSDB

@testable import QueryAPI

@Suite("Native histograms in remote write and read", .serialized)
struct RemoteHistogramTests {
    static func integerHistogram(_ scale: Double = 1) -> FloatHistogram {
        var h = FloatHistogram()
        h.count = 3 * scale
        h.sum = 1.5
        h.positiveSpans = [HistogramSpan(offset: 0, length: 2)]
        h.positiveBuckets = [1 * scale, 2 * scale]
        return h
    }

    @Test("an integer histogram is written with prompb's int count and bucket deltas, field by field")
    func goldenBytes() throws {
        var writer = ProtobufWriter()
        RemoteHistogram.encode(HistogramSample(timestamp: 1000, histogram: Self.integerHistogram()), into: &writer)
        let expected: [UInt8] = [
            0x08, 0x03,  // count_int 3
            0x19, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,  // sum 1.5
            0x20, 0x00,  // schema 0
            0x29, 0, 0, 0, 0, 0, 0, 0, 0,  // zero_threshold 0
            0x30, 0x00,  // zero_count_int 0
            0x5a, 0x02, 0x10, 0x02,  // positive_spans [{offset 0, length 2}]
            0x62, 0x02, 0x02, 0x02,  // positive_deltas [1, 1], zig-zag, packed
            0x78, 0xe8, 0x07,  // timestamp 1000
        ]
        #expect(writer.bytes == expected)
    }

    @Test("integer, float, custom-bucket and negative-bucket histograms round-trip, hints included")
    func roundTrip() throws {
        var float = Self.integerHistogram(0.25)
        float.negativeSpans = [HistogramSpan(offset: -2, length: 1)]
        float.negativeBuckets = [0.5]
        float.zeroThreshold = 1e-3
        float.zeroCount = 0.75
        float.schema = -2
        float.counterResetHint = .gauge
        var custom = Self.integerHistogram()
        custom.schema = FloatHistogram.customBucketsSchema
        custom.customValues = [0.5, 1]
        custom.counterResetHint = .reset
        let series = RemoteTimeSeries(labels: [("__name__", "h")], samples: [Sample(timestamp: 1, value: 2)], histograms: [
            HistogramSample(timestamp: 2, histogram: Self.integerHistogram()),
            HistogramSample(timestamp: 3, histogram: float),
            HistogramSample(timestamp: 4, histogram: custom),
        ])
        let decoded = try RemoteWriteRequest.decode(RemoteWriteRequest(timeseries: [series]).encode())
        #expect(decoded.timeseries == [series])
        #expect(decoded.timeseries.first?.histograms.map(\.histogram.counterResetHint) == [.unknown, .gauge, .reset])
    }

    @Test("a histogram message claiming more buckets than the limit is refused before anything is allocated")
    func hostileSpans() throws {
        var span = ProtobufWriter()
        span.writeVarintField(2, UInt64(HistogramBuckets.limit + 1))
        var message = ProtobufWriter()
        message.writeBytesField(11, span.bytes)
        var reader = ProtobufReader(message.bytes)
        #expect(throws: ProtobufReader.Failure.self) { try RemoteHistogram.decode(&reader) }
    }

    @Test("the receiver stores histograms beside floats, refuses invalid ones by name, and remote read returns them")
    func receiveAndRead() async throws {
        try await RemoteEndpointTests.withAPI { client, db in
            var broken = Self.integerHistogram()
            broken.positiveBuckets = [1]
            let (status, body) = try await RemoteEndpointTests.write(client, [
                RemoteTimeSeries(labels: [("__name__", "h")], samples: [Sample(timestamp: 1000, value: 7)], histograms: [
                    HistogramSample(timestamp: 2000, histogram: Self.integerHistogram()),
                    HistogramSample(timestamp: 3000, histogram: Self.integerHistogram(2)),
                ]),
                RemoteTimeSeries(labels: [("__name__", "bad")], samples: [], histograms: [HistogramSample(timestamp: 2000, histogram: broken)]),
            ])
            #expect(status == .badRequest)
            #expect(body == "1 sample(s) refused, the rest stored: invalid histogram for series bad: positive side: spans need 2 buckets, have 1 buckets\n", "\(body)")
            let stored = try db.selectHistograms([try Matcher(.equal, "__name__", "h")], from: 0, through: 5000)
            #expect(stored.first?.1.map(\.timestamp) == [2000, 3000])
            #expect(stored.first?.1.last?.histogram == Self.integerHistogram(2))

            let request = RemoteReadRequest(queries: [.init(start: 0, end: 5_000, matchers: [try Matcher(.equal, "__name__", "h")])], acceptedResponseTypes: [0])
            try await client.execute(uri: "/api/v1/read", method: .post, headers: RemoteEndpointTests.headers,
                                     body: ByteBuffer(bytes: Snappy.compress(request.encode()))) { response in
                #expect(response.status == .ok)
                let decoded = try RemoteReadResponse.decode(try Snappy.decompress(Array(buffer: response.body)))
                let series = try #require(decoded.results.first?.first)
                #expect(series.samples == [Sample(timestamp: 1000, value: 7)])
                #expect(series.histograms.map(\.timestamp) == [2000, 3000])
                #expect(series.histograms.last?.histogram == Self.integerHistogram(2))
            }
        }
    }
}
