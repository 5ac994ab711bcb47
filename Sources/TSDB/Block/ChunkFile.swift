#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Chunk segment files of a block (docs/format/blocks.md): an 8-byte header, then records of
/// `[encoding u8][length uvarint][data][crc32 u32 LE over encoding and data]`.
enum ChunkFile {
    static let magic: [UInt8] = Array("TBMC".utf8) + [1, 0, 0, 0]
    /// A new segment file is started past this size.
    static let segmentSize = 512 << 20

    static func name(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Frames one chunk; returns the record bytes.
    static func record(encoding: UInt8, data: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(capacity: data.count + 16)
        writer.bytes.append(encoding)
        writer.uvarint(UInt64(data.count))
        let dataStart = writer.bytes.count
        writer.bytes.append(contentsOf: data)
        var crcInput = [encoding]
        crcInput.append(contentsOf: writer.bytes[dataStart...])
        writer.uint32LE(Checksum.crc32(crcInput))
        return writer.bytes
    }

    /// Reads and checks one record with `pread`; returns the encoding and the data.
    static func read(fd: Int32, offset: Int64, length: Int) throws -> (UInt8, [UInt8]) {
        guard length > 5, length < 1 << 30 else { throw StorageError.corrupt("chunk record length \(length)") }
        var buffer = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw n == 0 ? StorageError.corrupt("chunk record past end of file") : StorageError.io("pread chunk", errno) }
            done += n
        }
        return try buffer.withUnsafeBytes { raw -> (UInt8, [UInt8]) in
            var reader = ByteReader(raw, offset: 1)
            guard let size = reader.uvarint(), Int(size) + reader.offset + 4 == length else { throw StorageError.corrupt("chunk record framing") }
            let data = UnsafeRawBufferPointer(rebasing: raw[reader.offset..<(reader.offset + Int(size))])
            let expected = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self))
            let crc = Checksum.crc32(data, seed: Checksum.crc32([raw[0]]))
            guard crc == expected else { throw StorageError.corrupt("chunk checksum mismatch at offset \(offset)") }
            return (raw[0], Array(data))
        }
    }
}
