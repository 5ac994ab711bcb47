import CSnappy

/// Snappy's block format (what remote read and write bodies use), through Debian's libsnappy.
package enum Snappy {
    /// What libsnappy reports; `description` matches Go's error text, which clients show.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    package static func compress(_ input: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: snappy_max_compressed_length(input.count))
        var length = output.count
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                snappy_compress(
                    UnsafeRawPointer(source.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self), source.count,
                    UnsafeMutableRawPointer(target.baseAddress!).assumingMemoryBound(to: CChar.self), &length)
            }
        }
        precondition(status == SNAPPY_OK, "snappy_compress cannot fail with a buffer of snappy_max_compressed_length")
        output.removeLast(output.count - length)
        return output
    }

    /// Decompresses a block, refusing one that claims more than `limit` bytes.
    package static func decompress(_ input: [UInt8], limit: Int = 256 << 20) throws(Failure) -> [UInt8] {
        guard !input.isEmpty else { throw Failure(description: "snappy: corrupt input") }
        var length = 0
        let sized = input.withUnsafeBufferPointer { source in
            snappy_uncompressed_length(UnsafeRawPointer(source.baseAddress!).assumingMemoryBound(to: CChar.self), source.count, &length)
        }
        guard sized == SNAPPY_OK else { throw Failure(description: "snappy: corrupt input") }
        guard length <= limit else { throw Failure(description: "snappy: decoded block is too large") }
        var output = [UInt8](repeating: 0, count: max(length, 1))
        var written = length
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                snappy_uncompress(
                    UnsafeRawPointer(source.baseAddress!).assumingMemoryBound(to: CChar.self), source.count,
                    UnsafeMutableRawPointer(target.baseAddress!).assumingMemoryBound(to: CChar.self), &written)
            }
        }
        guard status == SNAPPY_OK else { throw Failure(description: "snappy: corrupt input") }
        output.removeLast(output.count - written)
        return output
    }
}
