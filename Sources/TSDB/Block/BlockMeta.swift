import Foundation
import MetricsModel

/// `meta.json` of a persisted block.
package struct BlockMeta: Sendable, Codable, Equatable {
    var ulid: String
    /// Inclusive lower and exclusive upper bound of the block's samples, in ms (as Prometheus).
    package var minTime: Int64
    package var maxTime: Int64
    package var stats: Stats
    package var compaction: Compaction
    package var version = 1

    package struct Stats: Sendable, Codable, Equatable {
        var numSamples: Int64 = 0
        package var numSeries: Int64 = 0
        var numChunks: Int64 = 0
    }

    package struct Compaction: Sendable, Codable, Equatable {
        package var level: Int
        package var sources: [String]
    }

    static func read(_ directory: String) throws -> BlockMeta {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/meta.json"))
        return try JSONDecoder().decode(BlockMeta.self, from: data)
    }

    func write(_ directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeFile(directory + "/meta.json", Array(try encoder.encode(self)))
    }
}

/// ULIDs name blocks: 48 bits of milliseconds and 80 random bits in Crockford base32, so
/// names sort by creation time.
enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func make(milliseconds: Int64 = Timestamps.now()) -> String {
        var random = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &random) }
        // 128 bits → 26 characters of 5 bits, the first carrying 3 bits.
        var out: [UInt8] = []
        var value = (UInt64(bytes[0]) << 56) | (UInt64(bytes[1]) << 48) | (UInt64(bytes[2]) << 40) | (UInt64(bytes[3]) << 32)
            | (UInt64(bytes[4]) << 24) | (UInt64(bytes[5]) << 16) | (UInt64(bytes[6]) << 8) | UInt64(bytes[7])
        var low = UInt64(0)
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        // Emit from the most significant 5-bit group of the 130-bit zero-padded number.
        var bits: [UInt8] = []
        for i in 0..<64 { bits.append(UInt8((value >> UInt64(63 - i)) & 1)) }
        for i in 0..<64 { bits.append(UInt8((low >> UInt64(63 - i)) & 1)) }
        bits.insert(contentsOf: [0, 0], at: 0)
        for group in 0..<26 {
            var index = 0
            for bit in bits[(group * 5)..<(group * 5 + 5)] { index = index << 1 | Int(bit) }
            out.append(alphabet[index])
        }
        value = 0
        return String(decoding: out, as: UTF8.self)
    }
}
