#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsModel

/// A place in the WAL: the start of a record and how many of its samples are already consumed.
/// A remote-write queue saves one as its progress (docs/format/remote-write.md).
package struct WALPosition: Sendable, Equatable, Comparable, CustomStringConvertible {
    package var segment: Int
    /// Byte offset of a record's frame in `segment`.
    package var offset: Int
    /// Samples of that record already consumed (0 for any other kind of record).
    package var samplesDone: Int

    package init(segment: Int, offset: Int, samplesDone: Int = 0) {
        self.segment = segment
        self.offset = offset
        self.samplesDone = samplesDone
    }

    package static func < (lhs: WALPosition, rhs: WALPosition) -> Bool {
        (lhs.segment, lhs.offset, lhs.samplesDone) < (rhs.segment, rhs.offset, rhs.samplesDone)
    }

    package var description: String { "segment \(WAL.segmentName(segment)) offset \(offset)" + (samplesDone > 0 ? " (+\(samplesDone) samples)" : "") }
}

/// Follows a WAL as metricsd writes it: complete records in order, segment after segment, from a
/// position on. Reads files only (no lock with the writer): a frame still being written is simply
/// not complete yet and is read on a later call.
///
/// Not thread-safe: one consumer owns a tail.
package final class WALTail {
    /// A record and where it starts and ends.
    package struct Entry {
        package var record: WALRecordView
        package var start: WALPosition
        /// The offset just past the frame.
        package var end: Int
    }

    package let directory: String
    private(set) package var segment: Int
    private(set) package var offset: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    /// The file offset of `buffer[0]` and how many bytes it holds, in `segment`.
    private var bufferOffset = 0
    private var bufferCount = 0

    /// Positions the tail at the start of a record (`position.samplesDone` is the consumer's business).
    package init(directory: String, from position: WALPosition) {
        self.directory = directory
        segment = position.segment
        offset = position.offset
    }

    deinit { if fd >= 0 { close(fd) } }

    // MARK: Where to start

    /// The position just past the last complete record in the log: where a new consumer starts.
    package static func end(of directory: String) throws -> WALPosition {
        let wal = try segments(in: directory)
        guard let last = wal.last else {
            let checkpoint = try latestCheckpoint(in: directory)
            return WALPosition(segment: (checkpoint?.upTo ?? -1) + 1, offset: 0)
        }
        let bytes = try FileIO.readAll(directory + "/" + WAL.segmentName(last))
        var end = 0
        WAL.scanFrames(bytes[...]) { _, _, frameEnd in
            end = frameEnd
            return true
        }
        return WALPosition(segment: last, offset: end)
    }

    /// Calls `handle` with every series record a consumer at `position` has seen: those of the
    /// newest checkpoint before `position.segment`, then those of every segment from it up to
    /// `position`. This rebuilds a restarted consumer's references.
    package static func series(before position: WALPosition, in directory: String, _ handle: ([(ref: SeriesRef, labels: Labels)]) -> Void) throws {
        var first = 0
        let checkpoints = try checkpoints(in: directory).filter { $0.upTo < position.segment }
        if let checkpoint = checkpoints.max(by: { $0.upTo < $1.upTo }) {
            try seriesRecords(inCheckpoint: checkpoint.path, handle)
            first = checkpoint.upTo + 1
        }
        for index in try segments(in: directory) where index >= first && index <= position.segment {
            let bytes = try FileIO.readAll(directory + "/" + WAL.segmentName(index))
            WAL.scanFrames(bytes[...]) { kind, payload, frameEnd in
                if index == position.segment && frameEnd > position.offset { return false }
                if kind == WALRecord.Kind.series.rawValue, case .series(let entries)? = WALRecord.decode(kind: kind, payload: payload) {
                    handle(entries)
                }
                return true
            }
        }
    }

    // MARK: Reading

    /// What `read` found besides records.
    package enum Gap: Equatable {
        /// The tail's segment was gone (deleted past a hold limit, or cut by a repair); it moved on
        /// to `to`, the next segment present.
        case segmentMissing(from: Int, to: Int)
    }

    /// Reads complete records from the current place, up to about `maxBytes` of frames, calling
    /// `handle` for each; `handle` returns false to stop before the next one. Moves to the next
    /// segment when this one is finished and a later one exists. Returns the bytes read (0 when
    /// nothing new is written) and any gap met.
    @discardableResult
    package func read(maxBytes: Int = 4 << 20, gap: ((Gap) -> Void)? = nil, _ handle: (Entry) -> Bool) throws -> Int {
        var total = 0
        while total < maxBytes {
            guard try openCurrent(gap: gap) else { return total }
            let chunk = try readChunk(maxBytes: max(maxBytes - total, 1 << 16))
            var consumed = 0
            var stopped = false
            WAL.scanFrames(chunk) { kind, payload, frameEnd in
                let start = WALPosition(segment: segment, offset: offset + consumed)
                consumed = frameEnd
                // A frame whose CRC holds but whose payload does not decode is passed over, as
                // replay would stop at it; the writer never produces one.
                guard let record = WALRecordView(kind: kind, payload: payload) else { return true }
                let entry = Entry(record: record, start: start, end: offset + frameEnd)
                if !handle(entry) {
                    stopped = true
                    return false
                }
                return true
            }
            offset += consumed
            total += consumed
            if stopped { return total }
            if consumed == 0 {
                // Nothing complete here: either the writer is mid-frame, or this segment is closed
                // and its successor exists. Only a closed segment is left behind.
                guard try Self.segments(in: directory).contains(where: { $0 > segment }) else { return total }
                let rest = try readChunk(maxBytes: 1 << 16)
                var complete = false
                WAL.scanFrames(rest) { _, _, _ in
                    complete = true
                    return false
                }
                if complete { continue }
                moveTo(segment + 1)
            }
        }
        return total
    }

    /// Opens the tail's segment if it is not open; false when the log has nothing at or after it yet.
    private func openCurrent(gap: ((Gap) -> Void)?) throws -> Bool {
        if fd >= 0 { return true }
        let path = directory + "/" + WAL.segmentName(segment)
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        if opened >= 0 {
            fd = opened
            return true
        }
        guard errno == ENOENT else { throw StorageError.io("open \(path)", errno) }
        guard let next = try Self.segments(in: directory).first(where: { $0 > segment }) else { return false }
        gap?(.segmentMissing(from: segment, to: next))
        moveTo(next)
        return try openCurrent(gap: gap)
    }

    private func moveTo(_ next: Int) {
        if fd >= 0 { close(fd) }
        fd = -1
        bufferCount = 0
        segment = next
        offset = 0
    }

    /// Frames from `offset` on: the buffered bytes when they hold at least one whole frame there,
    /// else a fresh read of up to `maxBytes`, grown until one whole frame fits (a frame is longer
    /// only for a very large commit). Reading ahead and slicing keeps a consumer that stops after
    /// each record from reading the same bytes again.
    private func readChunk(maxBytes: Int) throws -> ArraySlice<UInt8> {
        if offset >= bufferOffset && offset < bufferOffset + bufferCount {
            let start = offset - bufferOffset
            if bufferCount - start >= 9 {
                let length = frameLength(at: start)
                if start + 9 + length <= bufferCount { return buffer[start..<bufferCount] }
            }
        }
        var want = maxBytes
        while true {
            if buffer.count < want { buffer = [UInt8](repeating: 0, count: want) }
            var done = 0
            while done < want {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, want - done, off_t(offset + done)) }
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw StorageError.io("read WAL segment \(WAL.segmentName(segment))", errno) }
                if n == 0 { break }
                done += n
            }
            bufferOffset = offset
            bufferCount = done
            if done >= 9 && done == want && frameLength(at: 0) + 9 > want {
                want = frameLength(at: 0) + 9
                continue
            }
            return buffer[0..<done]
        }
    }

    private func frameLength(at index: Int) -> Int {
        Int(UInt32(buffer[index + 1]) | UInt32(buffer[index + 2]) << 8 | UInt32(buffer[index + 3]) << 16 | UInt32(buffer[index + 4]) << 24)
    }

    // MARK: Layout

    static func segments(in directory: String) throws -> [Int] {
        guard FileIO.isDirectory(directory) else { return [] }
        return try FileIO.list(directory).compactMap { $0.count == 8 ? Int($0) : nil }.sorted()
    }

    /// The complete checkpoints in `directory`: their paths and the last segment each stands for.
    package static func checkpoints(in directory: String) throws -> [(path: String, upTo: Int)] {
        guard FileIO.isDirectory(directory) else { return [] }
        return try FileIO.list(directory).compactMap { name -> (String, Int)? in
            guard name.hasPrefix("checkpoint."), !name.hasSuffix(".tmp"), let index = Int(name.dropFirst("checkpoint.".count)) else { return nil }
            return (directory + "/" + name, index)
        }
    }

    static func latestCheckpoint(in directory: String) throws -> (path: String, upTo: Int)? {
        try checkpoints(in: directory).max { $0.upTo < $1.upTo }
    }

    /// Calls `handle` with the series records of the checkpoint at `path`.
    package static func seriesRecords(inCheckpoint path: String, _ handle: ([(ref: SeriesRef, labels: Labels)]) -> Void) throws {
        for name in try FileIO.list(path).sorted() where name.count == 8 {
            WAL.scanFrames(try FileIO.readAll(path + "/" + name)[...]) { kind, payload, _ in
                if kind == WALRecord.Kind.series.rawValue, case .series(let entries)? = WALRecord.decode(kind: kind, payload: payload) {
                    handle(entries)
                }
                return true
            }
        }
    }
}

/// The records a WAL consumer acts on, decoded only as far as it needs.
package enum WALRecordView {
    case series([(ref: SeriesRef, labels: Labels)])
    case samples([(ref: SeriesRef, sample: Sample)])
    case histograms([(ref: SeriesRef, sample: HistogramSample)])
    /// Tombstones and checkpoint chunks: nothing for a consumer to send.
    case other

    init?(kind: UInt8, payload: UnsafeRawBufferPointer) {
        switch WALRecord.Kind(rawValue: kind) {
        case .series?, .samples?, .histograms?:
            switch WALRecord.decode(kind: kind, payload: payload) {
            case .series(let entries)?: self = .series(entries)
            case .samples(let entries)?: self = .samples(entries)
            case .histograms(let entries)?: self = .histograms(entries)
            default: return nil
            }
        default:
            self = .other
        }
    }
}
