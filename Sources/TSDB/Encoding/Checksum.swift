import CZlib

/// CRC-32 (IEEE) through zlib, whose implementation is table-driven and fast enough that WAL
/// replay stays bound by disk reads.
enum Checksum {
    /// The CRC of each single byte, the seed every WAL frame's CRC starts from (its kind byte).
    static let kindSeeds: [UInt32] = (0...255).map { crc32([UInt8($0)]) }

    static func crc32(_ data: [UInt8], seed: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { crc32($0, seed: seed) }
    }

    static func crc32(_ raw: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = raw.baseAddress, raw.count > 0 else { return seed }
        return UInt32(CZlib.crc32(UInt(seed), base.assumingMemoryBound(to: Bytef.self), UInt32(raw.count)))
    }
}
