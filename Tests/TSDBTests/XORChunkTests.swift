import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("XOR chunks")
struct XORChunkTests {
    static func roundTrip(_ samples: [Sample], sourceLocation: SourceLocation = #_sourceLocation) throws {
        var appender = XORAppender()
        for sample in samples { try appender.append(sample.timestamp, sample.value) }
        let chunk = appender.chunk()
        #expect(chunk.count == samples.count, sourceLocation: sourceLocation)
        // Sample equality is bit-exact, so NaN payloads must survive too.
        #expect(try chunk.samples() == samples, sourceLocation: sourceLocation)
    }

    @Test("special floats survive bit-exactly")
    func specialValues() throws {
        let values: [Double] = [
            0, -0.0, 1, -1, .infinity, -.infinity, .nan, StaleMarker.value, StaleMarker.normalNaN,
            Double(bitPattern: 0x7ff8_dead_beef_0001), .leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNonzeroMagnitude,
            .greatestFiniteMagnitude, 1e-300, 42, 42, 42, StaleMarker.value, 0,
        ]
        try Self.roundTrip(values.enumerated().map { Sample(timestamp: Int64($0.offset) * 15_000, value: $0.element) })
    }

    @Test("delta-of-delta bucket edges decode to the same timestamps")
    func bucketEdges() throws {
        let deltas: [Int64] = [0, 8192, -8191, 8193, -8192, 65536, -65535, 65537, 524_288, -524_287, 524_289, -524_288, 1 << 40, 1]
        var t: Int64 = 1_700_000_000_000
        var step: Int64 = 1_000_000_000
        var samples = [Sample(timestamp: t, value: 1)]
        for dod in deltas {
            step += dod
            t += step
            samples.append(Sample(timestamp: t, value: Double(samples.count)))
        }
        try Self.roundTrip(samples)
    }

    @Test("random series round-trip", arguments: 0..<20)
    func randomSeries(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        var t = Int64(bitPattern: random.next() % 2_000_000_000_000) - 1_000_000_000_000
        var value = 0.0
        var samples: [Sample] = []
        for _ in 0..<Int(random.next() % 300 + 1) {
            // Irregular intervals, with occasional huge jumps.
            t += random.next() % 10 == 0 ? Int64(random.next() % 1_000_000_000 + 1) : Int64(random.next() % 30_000 + 1)
            switch random.next() % 6 {
            case 0: value = Double(bitPattern: random.next())  // any bit pattern, NaNs included
            case 1: value += 1  // counter
            case 2: value = 0  // counter reset
            case 3: value = Double(random.next() % 1000) / 10  // fixed-point gauge
            case 4: break  // unchanged
            default: value = Double(bitPattern: random.next() & 0x800f_ffff_ffff_ffff)  // subnormals
            }
            samples.append(Sample(timestamp: t, value: value))
        }
        try Self.roundTrip(samples)
    }

    @Test("a regular counter costs under 2 bytes per sample")
    func compression() throws {
        var appender = XORAppender()
        for i in 0..<120 { try appender.append(Int64(i) * 15_000, Double(i * 7)) }
        #expect(appender.byteCount < 120 * 2)
    }

    @Test("out-of-order appends are refused")
    func outOfOrder() throws {
        var appender = XORAppender()
        try appender.append(10, 1)
        #expect(throws: ChunkError.outOfOrder(previous: 10, new: 10)) { try appender.append(10, 2) }
        #expect(throws: ChunkError.self) { try appender.append(5, 2) }
    }

    @Test("truncated or garbage chunks fail to decode without crashing")
    func corruption() throws {
        var appender = XORAppender()
        for i in 0..<50 { try appender.append(Int64(i) * 15_000 + Int64(i % 3), Double(i) * 1.5) }
        let bytes = appender.chunk().bytes
        for length in 0..<bytes.count {
            let chunk = XORChunk(bytes: Array(bytes[0..<length]))
            _ = try? chunk.samples()
        }
        var random = SplitMix(seed: 9)
        for _ in 0..<500 {
            var garbage = bytes
            garbage[Int(random.next() % UInt64(garbage.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            _ = try? XORChunk(bytes: garbage).samples()
        }
        #expect(throws: ChunkError.self) { try XORChunk(bytes: [0, 5, 1]).samples() }
    }
}

