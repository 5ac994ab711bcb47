import MetricsModel
import Testing

@testable import TSDB

@Suite("Histogram chunks")
struct HistogramChunkTests {
    static func bitsEqual(_ a: [HistogramSample], _ b: [HistogramSample], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(x.timestamp == y.timestamp, sourceLocation: sourceLocation)
            #expect(x.histogram == y.histogram, sourceLocation: sourceLocation)
            #expect(x.histogram.counterResetHint == y.histogram.counterResetHint, sourceLocation: sourceLocation)
            #expect(x.histogram.positiveSpans == y.histogram.positiveSpans && x.histogram.negativeSpans == y.histogram.negativeSpans,
                    sourceLocation: sourceLocation)
        }
    }

    @Test("integer counter histograms round-trip, timestamps with jitter included")
    func integerRoundTrip() throws {
        var samples = HistogramFixtures.samples(120)
        samples[7].timestamp += 3
        samples[50].timestamp -= 1_000
        Self.bitsEqual(try HistogramChunk(samples).samples(), samples)
    }

    @Test("a change of schema, spans or bounds inside a chunk is coded in place")
    func layoutChanges() throws {
        var samples = HistogramFixtures.samples(30)
        samples[10].histogram = HistogramFixtures.exponential(10, schema: 3)
        samples[11].histogram = HistogramFixtures.custom(11)
        samples[12].histogram.positiveSpans = [HistogramSpan(offset: 4, length: 5)]
        samples[20].histogram.zeroThreshold = 0.5
        Self.bitsEqual(try HistogramChunk(samples).samples(), samples)
    }

    @Test("float counts, -0, NaN, infinities and the stale marker keep every bit", arguments: [
        -0.0, Double.nan, Double.infinity, -Double.infinity, StaleMarker.value, 1e300, 5e-324, 0.1,
    ])
    func specialValues(_ value: Double) throws {
        var samples = HistogramFixtures.samples(5, HistogramFixtures.custom)
        samples[2].histogram.sum = value
        samples[3].histogram.positiveBuckets[1] = value
        samples[3].histogram.count = value
        let decoded = try HistogramChunk(samples).samples()
        #expect(decoded[2].histogram.sum.bitPattern == value.bitPattern)
        #expect(decoded[3].histogram.positiveBuckets[1].bitPattern == value.bitPattern)
        #expect(decoded[3].histogram.count.bitPattern == value.bitPattern)
        #expect(decoded[4].histogram == samples[4].histogram)
    }

    @Test("counter reset hints are kept per sample", arguments: [
        FloatHistogram.CounterResetHint.unknown, .reset, .notReset, .gauge,
    ])
    func hints(_ hint: FloatHistogram.CounterResetHint) throws {
        var samples = HistogramFixtures.samples(4)
        samples[2].histogram.counterResetHint = hint
        let decoded = try HistogramChunk(samples).samples()
        #expect(decoded.map(\.histogram.counterResetHint) == [.unknown, .unknown, hint, .unknown])
    }

    @Test("a span reads only the samples inside it")
    func span() throws {
        let samples = HistogramFixtures.samples(10)
        let decoded = try HistogramChunk(samples).samples(in: 30_000...60_000)
        #expect(decoded.map(\.timestamp) == [30_000, 45_000, 60_000])
    }

    @Test("every truncation and flipped byte of a chunk is an error or a decode, never a crash")
    func corruption() throws {
        let bytes = HistogramChunk(HistogramFixtures.samples(20)).bytes
        for length in 0..<bytes.count {
            #expect(throws: ChunkError.self) { try HistogramChunk(bytes: Array(bytes[0..<length])).samples() }
        }
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xff] {
                var mutated = bytes
                mutated[index] ^= flip
                _ = try? HistogramChunk(bytes: mutated).samples()
            }
        }
    }

    @Test("a steady counter histogram costs little per sample")
    func size() throws {
        let samples = HistogramFixtures.samples(120)
        let bytes = HistogramChunk(samples).bytes.count
        // 8 counts and a sum per sample; the counts are predicted exactly, the sum is not.
        #expect(bytes < 120 * 20, "\(bytes) bytes")
    }
}
