/// Deleted time ranges of a block's series, kept beside the block in `tombstones` until the
/// block is rewritten (docs/format/tombstones.md). Samples inside a range are invisible to queries.
struct Tombstones: Sendable, Equatable {
    /// Deleted inclusive ranges per series id.
    var ranges: [UInt32: [ClosedRange<Int64>]] = [:]

    static let magic: [UInt8] = Array("TBMT".utf8) + [1]

    var isEmpty: Bool { ranges.isEmpty }

    mutating func add(_ id: UInt32, _ range: ClosedRange<Int64>) {
        ranges[id, default: []].append(range)
    }

    func isDeleted(_ id: UInt32, _ timestamp: Int64) -> Bool {
        guard let list = ranges[id] else { return false }
        return list.contains { $0.contains(timestamp) }
    }

    /// `[magic][count uvarint][(id uvarint, mint varint, maxt varint) …][crc32 LE]`.
    func encode() -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: Self.magic)
        let entries = ranges.flatMap { id, list in list.map { (id, $0) } }.sorted { ($0.0, $0.1.lowerBound) < ($1.0, $1.1.lowerBound) }
        writer.uvarint(UInt64(entries.count))
        for (id, range) in entries {
            writer.uvarint(UInt64(id))
            writer.varint(range.lowerBound)
            writer.varint(range.upperBound)
        }
        writer.uint32LE(Checksum.crc32(writer.bytes))
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> Tombstones {
        guard bytes.count >= magic.count + 5, Array(bytes.prefix(magic.count)) == magic else {
            throw StorageError.corrupt("tombstones header")
        }
        let body = Array(bytes.dropLast(4))
        let expected = bytes.suffix(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard Checksum.crc32(body) == expected else { throw StorageError.corrupt("tombstones checksum") }
        var result = Tombstones()
        try body.withUnsafeBytes { raw in
            var reader = ByteReader(raw, offset: magic.count)
            guard let count = reader.uvarint() else { throw StorageError.corrupt("tombstones count") }
            for _ in 0..<count {
                guard let id = reader.uvarint(), let mint = reader.varint(), let maxt = reader.varint(), mint <= maxt, id <= UInt64(UInt32.max) else {
                    throw StorageError.corrupt("tombstones entry")
                }
                result.add(UInt32(id), mint...maxt)
            }
        }
        return result
    }
}
