/// Little helpers for the binary formats: Go-compatible varints and little-endian integers.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func uvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zig-zag signed varint, as Go's `binary.PutVarint`.
    mutating func varint(_ value: Int64) {
        uvarint(value.zigZagEncoded)
    }

    mutating func uint32LE(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint64LE(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ text: String) {
        uvarint(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func bytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        uvarint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and returns nil past the end,
/// so corrupt input is reported, never a crash.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func uvarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count && shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    mutating func varint() -> Int64? {
        guard let raw = uvarint() else { return nil }
        return Int64(zigZag: raw)
    }

    mutating func uint32LE() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func uint64LE() -> UInt64? {
        guard offset + 8 <= bytes.count else { return nil }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func string() -> String? {
        guard let raw = byteSlice() else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }

    /// A length-prefixed byte run, as a view into the buffer.
    mutating func byteSlice() -> UnsafeRawBufferPointer? {
        guard let length = uvarint(), length <= UInt64(bytes.count - offset) else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
        offset += Int(length)
        return slice
    }
}

/// Zig-zag encoding, as Go's `binary.PutVarint` applies it before the varint: small magnitudes of
/// either sign become small unsigned numbers (0, -1, 1, -2 … → 0, 1, 2, 3 …).
extension Int64 {
    /// The zig-zag form of `self`.
    @inline(__always) var zigZagEncoded: UInt64 { UInt64(bitPattern: (self << 1) ^ (self >> 63)) }

    /// The value whose zig-zag form is `raw`.
    @inline(__always) init(zigZag raw: UInt64) { self = Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1) }
}
