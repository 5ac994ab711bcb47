#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsModel
import Synchronization

/// The write-ahead log: segmented files of CRC-checked records (docs/format/wal.md).
///
/// Records are framed `[kind u8][length u32 LE][crc32 u32 LE][payload]`; the CRC covers the kind
/// byte and the payload. Segments are named by an 8-digit index; a checkpoint directory
/// `checkpoint.NNNNNNNN` stands for every segment up to NNNNNNNN.
package final class WAL: Sendable {
    package let directory: String
    let options: WALOptions
    let logger: Logger

    struct Writer {
        var fd: Int32 = -1
        var segment = 0
        var size = 0
        var lastSync = ContinuousClock.now
        var dirty = false
    }

    private let writer = Mutex(Writer())
    /// The lowest segment each reader (a remote-write queue, by name) has still to read.
    private let holds = Mutex<[String: Int]>([:])
    package let statistics = WALStatistics()

    /// A read-only log is replayed and never written: a torn tail is where a live writer has got
    /// to, so it is left as it is.
    let readOnly: Bool

    package init(directory: String, options: WALOptions = WALOptions(), readOnly: Bool = false, logger: Logger) throws {
        self.directory = directory
        self.options = options
        self.readOnly = readOnly
        self.logger = logger
        if !readOnly { try FileIO.makeDirectory(directory) }
    }

    // MARK: Layout

    /// A segment's file name: its index in 8 decimal digits.
    package static func segmentName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Segment indexes present, ascending.
    func segments() throws -> [Int] {
        try FileIO.list(directory).compactMap { $0.count == 8 ? Int($0) : nil }.sorted()
    }

    /// The newest complete checkpoint: its directory and the last segment it covers.
    func latestCheckpoint() throws -> (path: String, upTo: Int)? {
        let checkpoints = try FileIO.list(directory).compactMap { name -> (String, Int)? in
            guard name.hasPrefix("checkpoint."), !name.hasSuffix(".tmp"), let index = Int(name.dropFirst("checkpoint.".count)) else { return nil }
            return (directory + "/" + name, index)
        }
        return checkpoints.max { $0.1 < $1.1 }
    }

    // MARK: Writing

    /// Opens a fresh segment after the last one, or the last one again when it is empty (so starts
    /// that write nothing leave no trail of empty segments); call once, after replay.
    func startWriting() throws {
        precondition(!readOnly, "a read-only WAL is never written")
        let last = try segments().last
        let next: Int
        if let last, FileIO.fileSize(directory + "/" + Self.segmentName(last)) == 0 {
            next = last
        } else {
            next = try (last ?? (latestCheckpoint()?.upTo ?? -1)) + 1
        }
        try writer.withLock { state in
            try openSegment(next, &state)
        }
    }

    private func openSegment(_ index: Int, _ state: inout Writer) throws {
        let path = directory + "/" + Self.segmentName(index)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io("open \(path)", errno) }
        state.fd = fd
        state.segment = index
        statistics.currentSegment.store(index, ordering: .relaxed)
        state.size = Int(lseek(fd, 0, SEEK_END))
        try FileIO.syncDirectory(directory)
    }

    /// Appends records as one write. On failure (a full disk, say) the segment is cut back to where
    /// it was, so a failed commit never leaves a torn record in front of later ones.
    /// Appends `record` framed as `[kind][length][crc32][payload]` to `frame`.
    static func frame(_ record: WALRecord, into frame: inout ByteWriter, scratch payload: inout ByteWriter) {
        payload.bytes.removeAll(keepingCapacity: true)
        record.encodePayload(into: &payload)
        let kind = record.kind.rawValue
        frame.bytes.append(kind)
        frame.uint32LE(UInt32(payload.bytes.count))
        frame.uint32LE(Checksum.crc32(payload.bytes, seed: Checksum.kindSeeds[Int(kind)]))
        frame.bytes.append(contentsOf: payload.bytes)
    }

    func log(_ records: [WALRecord]) throws {
        var frame = ByteWriter(capacity: 4096)
        var payload = ByteWriter(capacity: 4096)
        for record in records { Self.frame(record, into: &frame, scratch: &payload) }
        try writer.withLock { state in
            guard state.fd >= 0 else { throw StorageError.closed }
            if state.size > 0 && state.size + frame.bytes.count > options.segmentSize {
                try closeSegment(&state)
                try openSegment(state.segment + 1, &state)
            }
            let start = state.size
            let began = ContinuousClock.now
            do {
                try FileIO.writeAll(state.fd, frame.bytes)
                statistics.writeSeconds.observe((ContinuousClock.now - began).seconds)
            } catch {
                _ = ftruncate(state.fd, off_t(start))
                statistics.writeFailures.add(1, ordering: .relaxed)
                throw error
            }
            state.size += frame.bytes.count
            state.dirty = true
            statistics.bytesWritten.add(UInt64(frame.bytes.count), ordering: .relaxed)
            switch options.syncPolicy {
            case .everyCommit:
                try sync(&state)
            case .interval(let interval):
                if ContinuousClock.now - state.lastSync >= interval { try sync(&state) }
            }
        }
    }

    private func sync(_ state: inout Writer) throws {
        guard state.dirty, state.fd >= 0 else { return }
        let began = ContinuousClock.now
        guard fsync(state.fd) == 0 else { throw StorageError.io("fsync WAL segment", errno) }
        statistics.fsyncSeconds.observe((ContinuousClock.now - began).seconds)
        state.dirty = false
        state.lastSync = .now
    }

    private func closeSegment(_ state: inout Writer) throws {
        guard state.fd >= 0 else { return }
        try sync(&state)
        Glibc.close(state.fd)
        state.fd = -1
    }

    /// Forces everything written so far to disk.
    package func sync() throws {
        try writer.withLock { state in try sync(&state) }
    }

    /// Closes the current segment and starts the next; returns the index of the closed one.
    /// Everything logged before this call is in segments up to the returned index.
    func cutSegment() throws -> Int {
        try writer.withLock { state -> Int in
            let closed = state.segment
            try closeSegment(&state)
            try openSegment(closed + 1, &state)
            return closed
        }
    }

    /// Syncs and closes the WAL.
    package func close() {
        writer.withLock { state in
            try? closeSegment(&state)
        }
    }

    /// Bytes on disk: segments and checkpoints.
    func sizeOnDisk() -> Int64 {
        FileIO.directorySize(directory)
    }

    // MARK: Readers' holds

    /// Keeps segments from `segment` on, and the checkpoint before them, until `reader` moves its
    /// hold on or releases it: a checkpoint then deletes only what no reader still needs.
    package func hold(_ reader: String, from segment: Int) {
        holds.withLock { $0[reader] = segment }
    }

    /// Drops `reader`'s hold.
    package func releaseHold(_ reader: String) {
        _ = holds.withLock { $0.removeValue(forKey: reader) }
    }

    // MARK: Checkpoints

    /// Writes `records` as checkpoint `upTo` (standing for segments 0...upTo), then deletes those
    /// segments and older checkpoints. The checkpoint is complete on disk before anything is deleted.
    func checkpoint(upTo: Int, records: [WALRecord]) throws {
        let final = directory + "/checkpoint." + Self.segmentName(upTo)
        let temporary = final + ".tmp"
        try FileIO.removeTree(temporary)
        try FileIO.makeDirectory(temporary)
        let path = temporary + "/" + Self.segmentName(0)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io("open \(path)", errno) }
        var frame = ByteWriter(capacity: 1 << 20)
        var payload = ByteWriter(capacity: 1 << 16)
        do {
            for record in records {
                Self.frame(record, into: &frame, scratch: &payload)
                if frame.bytes.count > 1 << 20 {
                    try FileIO.writeAll(fd, frame.bytes)
                    frame.bytes.removeAll(keepingCapacity: true)
                }
            }
            try FileIO.writeAll(fd, frame.bytes)
            guard fsync(fd) == 0 else { throw StorageError.io("fsync checkpoint", errno) }
            Glibc.close(fd)
        } catch {
            Glibc.close(fd)
            try? FileIO.removeTree(temporary)
            throw error
        }
        try FileIO.syncDirectory(temporary)
        try FileIO.rename(temporary, final)
        try FileIO.syncDirectory(directory)
        try deleteCovered(upTo: upTo, keeping: final)
    }

    /// Deletes the segments checkpoint `upTo` stands for and older checkpoints, except what a
    /// reader holds: a reader at segment S needs every segment from S on, and to rebuild its series
    /// after a restart, the newest checkpoint before S and the segments between them.
    private func deleteCovered(upTo: Int, keeping final: String) throws {
        var deleteThrough = upTo
        var kept: Set<String> = [final]
        if let held = holds.withLock({ $0.values.min() }), held <= upTo {
            let older = try WALTail.checkpoints(in: directory).filter { $0.upTo < held && $0.path != final }.max { $0.upTo < $1.upTo }
            deleteThrough = older?.upTo ?? -1
            if let older { kept.insert(older.path) }
        }
        for segment in try segments() where segment <= deleteThrough {
            try FileIO.remove(directory + "/" + Self.segmentName(segment))
        }
        for name in try FileIO.list(directory) where name.hasPrefix("checkpoint.") && !kept.contains(directory + "/" + name) {
            try FileIO.removeTree(directory + "/" + name)
        }
    }
}

/// Counters of the WAL for the self-metrics.
package final class WALStatistics: Sendable {
    package let bytesWritten = Atomic<UInt64>(0)
    package let writeFailures = Atomic<UInt64>(0)
    let corruptions = Atomic<UInt64>(0)
    /// Segments found missing at replay (`ReplayReport.missingSegments`).
    let missingSegments = Atomic<UInt64>(0)
    package let currentSegment = Atomic<Int>(0)
    /// Prometheus's name and type: a summary of fsync times.
    package let fsyncSeconds = Summary("prometheus_tsdb_wal_fsync_duration_seconds", "Duration of write log fsync.")
    /// Prometheus has no such metric: the time each commit's records take to reach the kernel.
    package let writeSeconds = Histogram(
        "metricsd_tsdb_wal_write_duration_seconds", "Time to write one commit's records to the WAL segment (not counting fsync).",
        buckets: Histogram.exponential(start: 0.00001, factor: 4, count: 10))
}
