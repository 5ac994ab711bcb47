import CZlib

/// gzip for API responses when the client sends `Accept-Encoding: gzip`, through Debian's zlib.
enum Gzip {
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "zlib error \(code)" }
    }

    /// Compresses `input` into one gzip member (level 6: zlib's default speed/size balance).
    static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard cz_deflate_init_gzip(&stream, level) == Z_OK else { throw Failure(code: Z_STREAM_ERROR) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var mutableInput = input
        let status = mutableInput.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(code: status) }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// Decompresses one gzip member, refusing output beyond `limit` bytes.
    static func decompress(_ input: [UInt8], limit: Int = 1 << 30) throws -> [UInt8] {
        var stream = z_stream()
        guard cz_inflate_init_gzip(&stream) == Z_OK else { throw Failure(code: Z_STREAM_ERROR) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var mutableInput = input
        var status: Int32 = Z_OK
        try mutableInput.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while status != Z_STREAM_END {
                let produced = chunk.withUnsafeMutableBufferPointer { target -> Int in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw Failure(code: status) }
                output.append(contentsOf: chunk[..<produced])
                guard output.count <= limit else { throw Failure(code: Z_BUF_ERROR) }
                if produced == 0 && stream.avail_in == 0 && status != Z_STREAM_END { throw Failure(code: Z_DATA_ERROR) }
            }
        }
        return output
    }
}
