import MetricsModel

/// A Gorilla-style chunk of float samples, bit-compatible with Prometheus's XOR chunk encoding
/// (layout in docs/format/chunks.md): delta-of-delta timestamps and XOR-compressed values.
package struct XORChunk: Sendable, Equatable {
    /// The encoded bytes: a 2-byte big-endian sample count, then the bit stream.
    package let bytes: [UInt8]

    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The number of samples, from the header.
    package var count: Int {
        bytes.count < 2 ? 0 : Int(bytes[0]) << 8 | Int(bytes[1])
    }

    /// Decodes every sample. Throws `ChunkError.corrupt` for a truncated or malformed chunk.
    package func samples() throws(ChunkError) -> [Sample] {
        var out: [Sample] = []
        out.reserveCapacity(count)
        var iterator = makeIterator()
        while let sample = try iterator.next() { out.append(sample) }
        return out
    }

    package func makeIterator() -> XORIterator { XORIterator(chunk: self) }
}

/// What went wrong decoding a chunk.
package enum ChunkError: Error, Sendable, Equatable {
    case corrupt(String)
    case outOfOrder(previous: Int64, new: Int64)
    case full
}

/// Builds an `XORChunk` one sample at a time.
package struct XORAppender: Sendable {
    /// Prometheus cuts chunks at 120 samples: past that, delta-of-delta gains flatten and
    /// queries decode more than they need.
    static let targetSamples = 120

    private var writer = BitWriter(capacity: 32)
    package private(set) var count = 0
    package private(set) var lastTimestamp: Int64 = 0
    package private(set) var lastValue: Double = 0
    private var timeDelta: Int64 = 0
    private var leading: UInt8 = 0xff
    private var trailing: UInt8 = 0
    package private(set) var minTime: Int64 = 0

    package init() {
        writer.write(bits: 0, count: 16)  // the sample count, filled in by `chunk()`
    }

    /// Appends a sample. Timestamps must increase strictly.
    package mutating func append(_ timestamp: Int64, _ value: Double) throws(ChunkError) {
        guard count < 0xffff else { throw .full }
        if count > 0 && timestamp <= lastTimestamp { throw .outOfOrder(previous: lastTimestamp, new: timestamp) }
        switch count {
        case 0:
            writeVarint(timestamp)
            writer.write(bits: value.bitPattern, count: 64)
            minTime = timestamp
        case 1:
            // Deltas wrap rather than trap (timestamps may span all of Int64); the decoder wraps
            // the same way, so every pair of timestamps round-trips.
            timeDelta = timestamp &- lastTimestamp
            writeUvarint(UInt64(bitPattern: timeDelta))
            writeValue(value)
        default:
            let delta = timestamp &- lastTimestamp
            let deltaOfDelta = delta &- timeDelta
            timeDelta = delta
            writeDeltaOfDelta(deltaOfDelta)
            writeValue(value)
        }
        lastTimestamp = timestamp
        lastValue = value
        count += 1
    }

    /// The chunk as it stands; the appender can go on appending.
    package func chunk() -> XORChunk {
        var bytes = writer.finished()
        bytes[0] = UInt8(truncatingIfNeeded: count >> 8)
        bytes[1] = UInt8(truncatingIfNeeded: count)
        return XORChunk(bytes: bytes)
    }

    /// Encoded size so far, in bytes.
    package var byteCount: Int { (writer.bitCount + 7) / 8 }

    private mutating func writeDeltaOfDelta(_ dod: Int64) {
        // Bucket widths as in Prometheus: 14, 17, 20 bits, or all 64.
        switch dod {
        case 0:
            writer.write(bit: false)
        case -8191...8192:
            writer.write(bits: 0b10, count: 2)
            writer.write(bits: UInt64(bitPattern: dod), count: 14)
        case -65535...65536:
            writer.write(bits: 0b110, count: 3)
            writer.write(bits: UInt64(bitPattern: dod), count: 17)
        case -524_287...524_288:
            writer.write(bits: 0b1110, count: 4)
            writer.write(bits: UInt64(bitPattern: dod), count: 20)
        default:
            writer.write(bits: 0b1111, count: 4)
            writer.write(bits: UInt64(bitPattern: dod), count: 64)
        }
    }

    private mutating func writeValue(_ value: Double) {
        var previous = lastValue.bitPattern
        XORValueCoder.write(value.bitPattern, first: false, previous: &previous, leading: &leading, trailing: &trailing, into: &writer)
    }

    /// Go's `binary.PutVarint`: zig-zag, then 7 bits per byte, least significant first.
    private mutating func writeVarint(_ value: Int64) {
        writeUvarint(value.zigZagEncoded)
    }

    private mutating func writeUvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writer.write(bits: (v & 0x7f) | 0x80, count: 8)
            v >>= 7
        }
        writer.write(bits: v, count: 8)
    }
}

/// Decodes an `XORChunk` sample by sample.
package struct XORIterator {
    private let chunk: XORChunk
    private var bitOffset = 16
    private var read = 0
    private let total: Int
    private var timestamp: Int64 = 0
    private var value: Double = 0
    private var timeDelta: Int64 = 0
    private var leading: UInt8 = 0
    private var trailing: UInt8 = 0

    init(chunk: XORChunk) {
        self.chunk = chunk
        total = chunk.count
    }

    /// The next sample, nil after the last.
    package mutating func next() throws(ChunkError) -> Sample? {
        guard read < total else { return nil }
        let result: Result<Sample, ChunkError> = chunk.bytes.withUnsafeBytes { raw in
            var reader = BitReader(raw, bitOffset: bitOffset)
            let outcome = decode(&reader)
            bitOffset = raw.count * 8 - reader.bitsLeft
            return outcome
        }
        let sample = try result.get()
        read += 1
        return sample
    }

    private mutating func decode(_ reader: inout BitReader) -> Result<Sample, ChunkError> {
        switch read {
        case 0:
            guard let raw = readUvarint(&reader), let bits = reader.readBits(64) else { return .failure(.corrupt("truncated first sample")) }
            timestamp = Int64(zigZag: raw)
            value = Double(bitPattern: bits)
        case 1:
            guard let delta = readUvarint(&reader) else { return .failure(.corrupt("truncated second timestamp")) }
            timeDelta = Int64(bitPattern: delta)
            timestamp &+= timeDelta
            guard readValue(&reader) else { return .failure(.corrupt("truncated value")) }
        default:
            var prefix = 0
            while prefix < 4 {
                guard let bit = reader.readBit() else { return .failure(.corrupt("truncated timestamp")) }
                if !bit { break }
                prefix += 1
            }
            let width: Int
            switch prefix {
            case 0: width = 0
            case 1: width = 14
            case 2: width = 17
            case 3: width = 20
            default: width = 64
            }
            var dod: Int64 = 0
            if width > 0 {
                guard let bits = reader.readBits(width) else { return .failure(.corrupt("truncated timestamp")) }
                dod = width == 64 ? Int64(bitPattern: bits) : signExtend(bits, width: width)
            }
            timeDelta &+= dod
            timestamp &+= timeDelta
            guard readValue(&reader) else { return .failure(.corrupt("truncated value")) }
        }
        return .success(Sample(timestamp: timestamp, value: value))
    }

    private mutating func readValue(_ reader: inout BitReader) -> Bool {
        var previous = value.bitPattern
        guard let bits = XORValueCoder.read(&reader, previous: &previous, leading: &leading, trailing: &trailing, first: false) else { return false }
        value = Double(bitPattern: bits)
        return true
    }

    private func readUvarint(_ reader: inout BitReader) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<10 {
            guard let byte = reader.readBits(8) else { return nil }
            result |= (byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    private func signExtend(_ bits: UInt64, width: Int) -> Int64 {
        // The buckets are asymmetric, -(2^(w-1) - 1) ... 2^(w-1), so 2^(w-1) itself is positive;
        // only values above it wrap to negative (as Prometheus decodes them).
        let half = UInt64(1) << UInt64(width - 1)
        return bits > half ? Int64(bits) - Int64(1 << UInt64(width)) : Int64(bits)
    }
}
