#if canImport(Glibc)
import Glibc
#endif
import CZstd
import MetricsModel

/// The tighter encoding persisted blocks use (encoding byte 2; layout in docs/format/chunks.md).
///
/// Gorilla's XOR pays about a byte per sample on counters and far more on decimal gauges. Most
/// series in practice are integers or fixed-point decimals, so, as VictoriaMetrics does, values
/// are turned into scaled integers where that is exact, delta-encoded as varints, and the whole
/// chunk (timestamps as delta-of-delta varints, then values) is compressed with zstd. Values that
/// are not exactly representable that way (NaN payloads, -0, long binary fractions) fall back to a
/// Gorilla XOR stream inside the same frame, so every bit pattern still round-trips.
package enum CompactChunk {
    enum ValueMode: UInt8 {
        /// Every value has the same bit pattern: stored once.
        case constant = 0
        /// value = integer / 10^scale for every sample: first integer, then zig-zag varint deltas.
        case decimal = 1
        /// A Gorilla XOR bit stream of the values.
        case xor = 2
        /// Each value XOR'ed with the previous one, split into 8 byte planes (most significant
        /// first): sign, exponent and top mantissa bits repeat and compress; the rest is stored.
        case xorPlanes = 3
    }

    /// zstd level; chunks are compressed once (at compaction) and read many times, and zstd's
    /// decompression speed hardly depends on the level. Level 9 against 3 on the bench dataset:
    /// 1.279 → 1.266 B/sample for 1.5 s more block writing per 57 M samples.
    static let zstdLevel: Int32 = {
        if let text = getenv("TOOLBOX_ZSTD_LEVEL"), let level = Int32(String(cString: text)) { return level }
        return 9
    }()
    /// Powers of ten tried for the decimal transform.
    static let maxScale = 6
    private static let powers: [Double] = (0...maxScale).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    package static func encode(_ samples: ArraySlice<Sample>) throws -> [UInt8] {
        let first = try encode(samples, floats: .xor)
        guard first.isFloat else { return first.bytes }
        // Full-precision floats: keep whichever float layout compresses smaller.
        let second = try encode(samples, floats: .xorPlanes)
        return second.bytes.count < first.bytes.count ? second.bytes : first.bytes
    }

    private static func encode(_ samples: ArraySlice<Sample>, floats: ValueMode) throws -> (bytes: [UInt8], isFloat: Bool) {
        var writer = ByteWriter(capacity: samples.count * 3 + 16)
        writer.uvarint(UInt64(samples.count))
        // Timestamps: first, first delta, then deltas of deltas (almost always 0 for a steady scrape).
        var previous: Int64 = 0
        var previousDelta: Int64 = 0
        for (index, sample) in samples.enumerated() {
            switch index {
            case 0: writer.varint(sample.timestamp)
            case 1: previousDelta = sample.timestamp &- previous; writer.varint(previousDelta)
            default:
                let delta = sample.timestamp &- previous
                writer.varint(delta &- previousDelta)
                previousDelta = delta
            }
            previous = sample.timestamp
        }
        let isFloat = encodeValues(samples, floats: floats, into: &writer)
        return (try compress(writer.bytes), isFloat)
    }

    /// Writes the value section; returns whether it fell back to a float layout.
    private static func encodeValues(_ samples: ArraySlice<Sample>, floats: ValueMode, into writer: inout ByteWriter) -> Bool {
        let first = samples.first!.value.bitPattern
        if samples.allSatisfy({ $0.value.bitPattern == first }) {
            writer.bytes.append(ValueMode.constant.rawValue)
            writer.uint64LE(first)
            return false
        }
        if let (scale, integers) = decimalIntegers(samples) {
            writer.bytes.append(ValueMode.decimal.rawValue)
            writer.bytes.append(UInt8(scale))
            // First value as a varint, then the deltas zig-zagged to fixed width and split into
            // byte planes (all low bytes, then all next bytes, …): zstd's entropy coder then sees
            // each byte position's own distribution, which measured smaller than varints.
            writer.varint(integers[0])
            var deltas: [UInt64] = []
            deltas.reserveCapacity(integers.count - 1)
            var widest: UInt64 = 0
            for index in 1..<integers.count {
                let delta = integers[index] &- integers[index - 1]
                let zigzag = delta.zigZagEncoded
                deltas.append(zigzag)
                widest |= zigzag
            }
            let width = (64 - widest.leadingZeroBitCount + 7) / 8
            writer.bytes.append(UInt8(width))
            for plane in 0..<width {
                let shift = UInt64(plane * 8)
                for delta in deltas { writer.bytes.append(UInt8(truncatingIfNeeded: delta >> shift)) }
            }
            return false
        }
        if floats == .xorPlanes {
            writer.bytes.append(ValueMode.xorPlanes.rawValue)
            var previous: UInt64 = 0
            var xors: [UInt64] = []
            xors.reserveCapacity(samples.count)
            for sample in samples {
                xors.append(sample.value.bitPattern ^ previous)
                previous = sample.value.bitPattern
            }
            for plane in 0..<8 {
                let shift = UInt64(56 - plane * 8)
                for value in xors { writer.bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
            }
            return true
        }
        writer.bytes.append(ValueMode.xor.rawValue)
        var bits = BitWriter(capacity: samples.count * 4)
        var lastBits: UInt64 = 0
        var leading: UInt8 = 0xff
        var trailing: UInt8 = 0
        for (index, sample) in samples.enumerated() {
            XORValueCoder.write(sample.value.bitPattern, first: index == 0, previous: &lastBits, leading: &leading, trailing: &trailing, into: &bits)
        }
        writer.bytes.append(contentsOf: bits.finished())
        return true
    }

    /// The smallest scale at which every value is an exact integer multiple of 10^-scale, with the
    /// integers; nil when there is none (non-finite values, -0, or too many decimals).
    /// Which value mode `encode` picks for these samples (for benchmarks).
    package static func mode(of samples: ArraySlice<Sample>) -> String {
        let first = samples.first!.value.bitPattern
        if samples.allSatisfy({ $0.value.bitPattern == first }) { return "constant" }
        if let (scale, _) = decimalIntegers(samples) { return "decimal(\(scale))" }
        return "xor"
    }

    private static func decimalIntegers(_ samples: ArraySlice<Sample>) -> (Int, [Int64])? {
        var scale = 0
        for sample in samples {
            let value = sample.value
            guard value.isFinite, !(value == 0 && value.sign == .minus) else { return nil }
            while scale <= maxScale {
                let scaled = (value * powers[scale]).rounded()
                if abs(scaled) < 9.0e15 && scaled / powers[scale] == value { break }
                scale += 1
            }
            if scale > maxScale { return nil }
        }
        var integers: [Int64] = []
        integers.reserveCapacity(samples.count)
        for sample in samples {
            let scaled = (sample.value * powers[scale]).rounded()
            // Exactness at the final scale (a value exact at a smaller scale is exact here too,
            // but check: the decode divides, and must give back the same bits).
            guard abs(scaled) < 9.0e15, (scaled / powers[scale]).bitPattern == sample.value.bitPattern else { return nil }
            integers.append(Int64(scaled))
        }
        return (scale, integers)
    }

    /// The chunk's samples; with `span`, only those inside it (values before the span are still
    /// accumulated, as every value depends on the ones before, but no sample is built for them).
    package static func decode(_ data: [UInt8], in span: ClosedRange<Int64>? = nil) throws -> [Sample] {
        try decode(decompressed: decompress(data), in: span)
    }

    /// `decode` of a chunk whose zstd frame was already undone (`decompress`).
    static func decode(decompressed raw: [UInt8], in span: ClosedRange<Int64>? = nil) throws -> [Sample] {
        try raw.withUnsafeBytes { bytes -> [Sample] in
            var reader = ByteReader(bytes)
            guard let count64 = reader.uvarint(), count64 > 0, count64 <= 1 << 24 else { throw StorageError.corrupt("compact chunk count") }
            let count = Int(count64)
            // Delta-of-delta varints; regular scrapes make nearly all of them one byte, read inline.
            var failed = false
            let timestamps = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
                var previous: Int64 = 0
                var delta: Int64 = 0
                for index in 0..<count {
                    let value: Int64
                    if reader.offset < bytes.count, bytes[reader.offset] < 0x80 {
                        value = Int64(zigZag: UInt64(bytes[reader.offset]))
                        reader.offset += 1
                    } else if let long = reader.varint() {
                        value = long
                    } else {
                        failed = true
                        return
                    }
                    switch index {
                    case 0: previous = value
                    case 1: delta = value; previous = previous &+ delta
                    default: delta = delta &+ value; previous = previous &+ delta
                    }
                    buffer[index] = previous
                    initialized = index + 1
                }
            }
            guard !failed else { throw StorageError.corrupt("compact chunk timestamps") }
            guard !reader.isAtEnd, let mode = ValueMode(rawValue: bytes[reader.offset]) else { throw StorageError.corrupt("compact chunk value mode") }
            reader.offset += 1
            // The samples to build: timestamps are sorted, so the span is one run of indices.
            let first = span.map { span in timestamps.partitionIndex { $0 >= span.lowerBound } } ?? 0
            let end = span.map { span in timestamps.partitionIndex { $0 > span.upperBound } } ?? count
            var samples: [Sample] = []
            guard first < end else { return samples }
            samples.reserveCapacity(end - first)
            switch mode {
            case .constant:
                guard let bits = reader.uint64LE() else { throw StorageError.corrupt("compact chunk constant") }
                for t in timestamps[first..<end] { samples.append(Sample(timestamp: t, value: Double(bitPattern: bits))) }
            case .decimal:
                guard !reader.isAtEnd else { throw StorageError.corrupt("compact chunk scale") }
                let scale = Int(bytes[reader.offset])
                reader.offset += 1
                guard scale <= maxScale else { throw StorageError.corrupt("compact chunk scale \(scale)") }
                guard var integer = reader.varint(), !reader.isAtEnd else { throw StorageError.corrupt("compact chunk values") }
                let width = Int(bytes[reader.offset])
                reader.offset += 1
                let deltas = count - 1
                guard width <= 8, reader.offset + width * deltas <= bytes.count else { throw StorageError.corrupt("compact chunk planes") }
                let divisor = powers[scale]
                if first == 0 { samples.append(Sample(timestamp: timestamps[0], value: Double(integer) / divisor)) }
                let planes = reader.offset
                // Deltas before the span only advance the running integer; the common one- and two-byte
                // widths read their planes without the inner loop.
                for index in 0..<(end - 1) {
                    let zigzag: UInt64
                    switch width {
                    case 0: zigzag = 0
                    case 1: zigzag = UInt64(bytes[planes + index])
                    case 2: zigzag = UInt64(bytes[planes + index]) | UInt64(bytes[planes + deltas + index]) << 8
                    default:
                        var gathered: UInt64 = 0
                        for plane in 0..<width { gathered |= UInt64(bytes[planes + plane * deltas + index]) << UInt64(plane * 8) }
                        zigzag = gathered
                    }
                    integer = integer &+ Int64(zigZag: zigzag)
                    if index + 1 >= first { samples.append(Sample(timestamp: timestamps[index + 1], value: Double(integer) / divisor)) }
                }
            case .xorPlanes:
                guard reader.offset + 8 * count <= bytes.count else { throw StorageError.corrupt("compact chunk float planes") }
                let planes = reader.offset
                var previous: UInt64 = 0
                for index in 0..<end {
                    var xor: UInt64 = 0
                    for plane in 0..<8 { xor |= UInt64(bytes[planes + plane * count + index]) << UInt64(56 - plane * 8) }
                    previous ^= xor
                    if index >= first { samples.append(Sample(timestamp: timestamps[index], value: Double(bitPattern: previous))) }
                }
            case .xor:
                let rest = UnsafeRawBufferPointer(rebasing: bytes[reader.offset...])
                var bits = BitReader(rest)
                var lastBits: UInt64 = 0
                var leading: UInt8 = 0
                var trailing: UInt8 = 0
                for index in 0..<end {
                    guard let value = XORValueCoder.read(&bits, previous: &lastBits, leading: &leading, trailing: &trailing, first: index == 0) else {
                        throw StorageError.corrupt("compact chunk xor values")
                    }
                    if index >= first { samples.append(Sample(timestamp: timestamps[index], value: Double(bitPattern: value))) }
                }
            }
            return samples
        }
    }

    // MARK: zstd framing: [raw length uvarint][zstd frame], or [0][raw] when compression does not pay.

    static func compress(_ raw: [UInt8]) throws -> [UInt8] {
        let bound = ZSTD_compressBound(raw.count)
        var out = ByteWriter(capacity: bound + 10)
        out.uvarint(UInt64(raw.count))
        let header = out.bytes.count
        out.bytes.append(contentsOf: repeatElement(0, count: bound))
        let written = out.bytes.withUnsafeMutableBytes { destination in
            raw.withUnsafeBytes { source in
                ZSTD_compress(destination.baseAddress! + header, bound, source.baseAddress, raw.count, zstdLevel)
            }
        }
        guard ZSTD_isError(written) == 0 else { throw StorageError.corrupt("zstd: \(String(cString: ZSTD_getErrorName(written)))") }
        if written >= raw.count {
            var plain = ByteWriter(capacity: raw.count + 1)
            plain.uvarint(0)
            plain.bytes.append(contentsOf: raw)
            return plain.bytes
        }
        out.bytes.removeLast(bound - written)
        return out.bytes
    }

    static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        try data.withUnsafeBytes { bytes -> [UInt8] in
            var reader = ByteReader(bytes)
            guard let length = reader.uvarint(), length <= 1 << 28 else { throw StorageError.corrupt("compact chunk length") }
            if length == 0 { return Array(bytes[reader.offset...]) }
            var out = [UInt8](repeating: 0, count: Int(length))
            let produced = out.withUnsafeMutableBytes { destination in
                ZSTD_decompress(destination.baseAddress, Int(length), bytes.baseAddress! + reader.offset, bytes.count - reader.offset)
            }
            guard ZSTD_isError(produced) == 0, produced == Int(length) else { throw StorageError.corrupt("zstd frame") }
            return out
        }
    }
}

/// Gorilla's value coding, shared by XOR chunks and the compact encoding's fallback.
enum XORValueCoder {
    /// `leading` starts at 0xff, meaning "no window yet".
    static func write(_ value: UInt64, first: Bool, previous: inout UInt64, leading: inout UInt8, trailing: inout UInt8, into writer: inout BitWriter) {
        if first {
            writer.write(bits: value, count: 64)
            previous = value
            return
        }
        let xor = value ^ previous
        previous = value
        if xor == 0 {
            writer.write(bit: false)
            return
        }
        writer.write(bit: true)
        var newLeading = UInt8(xor.leadingZeroBitCount)
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        if newLeading >= 32 { newLeading = 31 }
        if leading != 0xff && newLeading >= leading && newTrailing >= trailing {
            writer.write(bit: false)
            let significant = 64 - Int(leading) - Int(trailing)
            writer.write(bits: xor >> UInt64(trailing), count: significant)
            return
        }
        leading = newLeading
        trailing = newTrailing
        writer.write(bit: true)
        writer.write(bits: UInt64(leading), count: 5)
        let significant = 64 - Int(leading) - Int(trailing)
        writer.write(bits: UInt64(significant & 63), count: 6)
        writer.write(bits: xor >> UInt64(trailing), count: significant)
    }

    static func read(_ reader: inout BitReader, previous: inout UInt64, leading: inout UInt8, trailing: inout UInt8, first: Bool) -> UInt64? {
        if first {
            guard let bits = reader.readBits(64) else { return nil }
            previous = bits
            return bits
        }
        guard let changed = reader.readBit() else { return nil }
        if !changed { return previous }
        guard let newWindow = reader.readBit() else { return nil }
        if newWindow {
            guard let lead = reader.readBits(5), let sig = reader.readBits(6) else { return nil }
            leading = UInt8(lead)
            let significant = sig == 0 ? 64 : Int(sig)
            guard Int(leading) + significant <= 64 else { return nil }
            trailing = UInt8(64 - Int(leading) - significant)
        }
        let significant = 64 - Int(leading) - Int(trailing)
        guard significant > 0, let bits = reader.readBits(significant) else { return nil }
        previous ^= bits << UInt64(trailing)
        return previous
    }
}
