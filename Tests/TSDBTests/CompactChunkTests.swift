import Foundation
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("Compact block chunks")
struct CompactChunkTests {
    static func roundTrip(_ samples: [Sample], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let data = try CompactChunk.encode(samples[...])
        #expect(try CompactChunk.decode(data) == samples, sourceLocation: sourceLocation)
    }

    static func series(_ values: [Double], start: Int64 = 1_700_000_000_000, step: Int64 = 15_000) -> [Sample] {
        values.enumerated().map { Sample(timestamp: start + Int64($0.offset) * step, value: $0.element) }
    }

    /// One value pattern, named in the test report.
    struct ValueCase: Sendable, CustomTestStringConvertible {
        let name: String
        let values: [Double]
        var testDescription: String { name }
    }

    static let cases: [ValueCase] = {
        var cases: [ValueCase] = []
        cases.append(ValueCase(name: "constant", values: [Double](repeating: 42, count: 300)))
        cases.append(ValueCase(name: "counter", values: (0..<300).map { (i: Int) -> Double in Double(i * 7 + i % 3) }))
        cases.append(ValueCase(name: "counter reset", values: (0..<300).map { (i: Int) -> Double in Double(i < 150 ? i * 5 : (i - 150) * 2) }))
        cases.append(ValueCase(name: "two decimals", values: (0..<300).map { (i: Int) -> Double in Double(i % 97) / 100 + 0.25 }))
        cases.append(ValueCase(name: "six decimals", values: (0..<300).map { (i: Int) -> Double in Double(i) * 0.000001 + 1 }))
        cases.append(ValueCase(name: "large integers", values: (0..<300).map { (i: Int) -> Double in 68_530_733_056 + Double(i * 4096) }))
        cases.append(ValueCase(name: "random floats", values: (0..<300).map { (i: Int) -> Double in sin(Double(i)) * 1e-3 }))
        cases.append(ValueCase(name: "negative zero", values: [0.0, -0.0, 0.0, 1.0]))
        cases.append(ValueCase(name: "specials", values: [1.0, .nan, StaleMarker.value, StaleMarker.normalNaN, .infinity, -.infinity, .leastNonzeroMagnitude, 1.0]))
        cases.append(ValueCase(name: "single", values: [3.14]))
        cases.append(ValueCase(name: "near 2^53", values: [9_007_199_254_740_992, 9_007_199_254_740_993, 9_007_199_254_740_994]))
        cases.append(ValueCase(name: "wide integer deltas", values: (0..<300).map { (i: Int) -> Double in Double(i % 2 == 0 ? i * 3_000_000_000 : -i * 70_000) }))
        return cases
    }()

    @Test("each value mode round-trips bit-exactly", arguments: cases)
    func modes(valueCase: ValueCase) throws {
        try Self.roundTrip(Self.series(valueCase.values))
    }

    @Test("decoding a span gives exactly the samples inside it, for every value mode", arguments: cases)
    func spans(valueCase: ValueCase) throws {
        let samples = Self.series(valueCase.values)
        let data = try CompactChunk.encode(samples[...])
        let first = samples[0].timestamp, last = samples[samples.count - 1].timestamp
        let bounds: [(Int64, Int64)] = [(first, last), (first + 1, last), (first, first + 45_000), (last - 30_000, last + 99), (last + 1, last + 5), (first - 10, first - 1)]
        for (low, high) in bounds where low <= high {
            let span = low...high
            let expected = samples.filter { span.contains($0.timestamp) }
            #expect(try CompactChunk.decode(data, in: span) == expected, "span \(span)")
        }
    }

    @Test("irregular and jittered timestamps round-trip")
    func timestamps() throws {
        var t: Int64 = -5_000
        var samples: [Sample] = []
        var random = SplitMix(seed: 3)
        for i in 0..<500 {
            t += Int64(random.next() % 3 == 0 ? random.next() % 100_000 + 1 : 15_000 + random.next() % 3)
            samples.append(Sample(timestamp: t, value: Double(i)))
        }
        try Self.roundTrip(samples)
    }

    @Test("random bit patterns round-trip", arguments: 0..<10)
    func randomPatterns(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed) + 100)
        let values = (0..<Int(random.next() % 2000 + 1)).map { _ in Double(bitPattern: random.next()) }
        try Self.roundTrip(Self.series(values))
    }

    @Test("counters compress far below Gorilla")
    func compression() throws {
        let samples = Self.series((0..<1440).map { (i: Int) -> Double in Double(i * 31 + (i * 7919) % 11) })
        let compact = try CompactChunk.encode(samples[...]).count
        var xor = 0
        for start in stride(from: 0, to: samples.count, by: 120) {
            var appender = XORAppender()
            for sample in samples[start..<(start + 120)] { try appender.append(sample.timestamp, sample.value) }
            xor += appender.byteCount
        }
        #expect(compact * 2 < xor, "compact \(compact) B, xor \(xor) B")
    }

    @Test("corrupt chunks fail to decode without crashing")
    func corruption() throws {
        let data = try CompactChunk.encode(Self.series((0..<500).map { Double($0) * 1.5 })[...])
        var random = SplitMix(seed: 11)
        for _ in 0..<300 {
            var broken = data
            broken[Int(random.next() % UInt64(broken.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            _ = try? CompactChunk.decode(broken)
        }
        for length in 0..<data.count { _ = try? CompactChunk.decode(Array(data[0..<length])) }
        #expect(throws: (any Error).self) { try CompactChunk.decode([5, 1, 2]) }
    }
}
