/// The protobuf wire format, as much as remote read and write and the protobuf exposition format
/// need: varints (plain and zig-zag), 64-bit fixed and length-delimited fields, packed repeats. Unknown fields are skipped, as protobuf requires.
package struct ProtobufReader {
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    let bytes: [UInt8]
    var position: Int
    let end: Int

    package init(_ bytes: [UInt8]) {
        self.init(bytes, from: 0, to: bytes.count)
    }

    init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        position = start
        self.end = end
    }

    package var isAtEnd: Bool { position >= end }

    /// The bytes not read yet.
    package var remaining: ArraySlice<UInt8> { bytes[position..<end] }

    /// The next field's number and wire type.
    package mutating func readTag() throws(Failure) -> (field: Int, wireType: Int) {
        let key = try readVarint()
        guard key >> 3 > 0 else { throw Failure(description: "invalid field number 0") }
        return (Int(key >> 3), Int(key & 7))
    }

    package mutating func readVarint() throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw Failure(description: "varint overflows 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw Failure(description: "unexpected end of message in a varint")
    }

    /// A `sint32`/`sint64` (zig-zag) varint.
    package mutating func readSignedVarint() throws(Failure) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    package mutating func readDouble() throws(Failure) -> Double { Double(bitPattern: try readFixed64()) }

    /// The values of a repeated `sint64` field: packed (wire type 2) or one (wire type 0), as
    /// protobuf lets a parser meet either.
    package mutating func readSignedVarints(wireType: Int, into values: inout [Int64]) throws(Failure) {
        guard wireType == 2 else {
            guard wireType == 0 else { throw Failure(description: "repeated sint64 field with wire type \(wireType)") }
            values.append(try readSignedVarint())
            return
        }
        var packed = try readMessage()
        while !packed.isAtEnd { values.append(try packed.readSignedVarint()) }
    }

    /// The values of a repeated `double` field, packed or one.
    package mutating func readDoubles(wireType: Int, into values: inout [Double]) throws(Failure) {
        guard wireType == 2 else {
            guard wireType == 1 else { throw Failure(description: "repeated double field with wire type \(wireType)") }
            values.append(try readDouble())
            return
        }
        var packed = try readMessage()
        guard (packed.end - packed.position) % 8 == 0 else { throw Failure(description: "packed doubles not a multiple of 8 bytes") }
        while !packed.isAtEnd { values.append(try packed.readDouble()) }
    }

    package mutating func readFixed64() throws(Failure) -> UInt64 {
        guard end - position >= 8 else { throw Failure(description: "unexpected end of message in a fixed64") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return value
    }

    /// A length-delimited field's reader, positioned past it in `self`.
    package mutating func readMessage() throws(Failure) -> ProtobufReader {
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw Failure(description: "length-delimited field runs past the message") }
        let start = position
        position += Int(length)
        return ProtobufReader(bytes, from: start, to: position)
    }

    mutating func readString() throws(Failure) -> String {
        let message = try readMessage()
        return String(decoding: bytes[message.position..<message.end], as: UTF8.self)
    }

    /// A string field, and its bytes when they are not valid UTF-8 (the string is then a lossy reading).
    mutating func readCheckedString() throws(Failure) -> (String, invalid: ArraySlice<UInt8>?) {
        let message = try readMessage()
        let raw = bytes[message.position..<message.end]
        if let valid = String(validating: raw, as: UTF8.self) { return (valid, nil) }
        return (String(decoding: raw, as: UTF8.self), raw)
    }

    /// Bytes quoted with printable ASCII kept and every other byte as `\xNN`, so an error shows them as sent.
    package static func escaped(_ bytes: some Collection<UInt8>) -> String {
        var out = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += "\\" + String(UnicodeScalar(byte))
            case 0x20..<0x7f: out.append(Character(UnicodeScalar(byte)))
            default: out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return out + "\""
    }

    package mutating func skip(wireType: Int) throws(Failure) {
        switch wireType {
        case 0: _ = try readVarint()
        case 1: _ = try readFixed64()
        case 2: _ = try readMessage()
        case 5:
            guard end - position >= 4 else { throw Failure(description: "unexpected end of message in a fixed32") }
            position += 4
        default: throw Failure(description: "unsupported wire type \(wireType)")
        }
    }
}

/// Builds protobuf messages.
package struct ProtobufWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func writeTag(_ field: Int, _ wireType: Int) { writeVarint(UInt64(field << 3 | wireType)) }

    package mutating func writeVarintField(_ field: Int, _ value: UInt64) {
        writeTag(field, 0)
        writeVarint(value)
    }

    package mutating func writeDoubleField(_ field: Int, _ value: Double) {
        writeTag(field, 1)
        let bits = value.bitPattern
        for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index)))) }
    }

    package mutating func writeSignedVarintField(_ field: Int, _ value: Int64) {
        writeVarintField(field, UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A packed repeated `sint64` field (nothing when empty).
    package mutating func writePackedSignedVarints(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var packed = ProtobufWriter()
        for value in values { packed.writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }
        writeBytesField(field, packed.bytes)
    }

    /// A packed repeated `double` field (nothing when empty).
    package mutating func writePackedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        var packed = ProtobufWriter()
        for value in values {
            let bits = value.bitPattern
            for index in 0..<8 { packed.bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index)))) }
        }
        writeBytesField(field, packed.bytes)
    }

    /// Bytes already in wire format.
    mutating func appendRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    package mutating func writeBytesField(_ field: Int, _ payload: [UInt8]) {
        writeTag(field, 2)
        writeVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    package mutating func writeStringField(_ field: Int, _ text: String) {
        writeBytesField(field, Array(text.utf8))
    }
}
