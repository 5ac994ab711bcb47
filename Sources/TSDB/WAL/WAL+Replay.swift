#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

extension WAL {
    /// What a replay read.
    package struct ReplayReport: Sendable {
        var records = 0
        package var bytes = 0
        package var segments = 0
        /// Where a torn or corrupt tail was cut, if anywhere.
        var repaired: String?
        /// Segments missing between the checkpoint and the last segment (deleted by hand, lost on a
        /// damaged disk); the records around them were replayed.
        package var missingSegments: [Int] = []
    }

    /// Reads the newest checkpoint and every later segment, in order, calling `handle` per record.
    /// A torn or corrupt record ends the log there: the segment is truncated before it and later
    /// segments are removed, with a warning; records before it are all delivered.
    func replay(_ handle: (WALRecord) -> Void) throws -> ReplayReport {
        var report = ReplayReport()
        // A store of blocks only (an import) has no log to read.
        if readOnly && !FileIO.isDirectory(directory) { return report }
        var firstSegment = 0
        if let checkpoint = try latestCheckpoint() {
            for segment in try FileIO.list(checkpoint.path).compactMap({ $0.count == 8 ? Int($0) : nil }).sorted() {
                let path = checkpoint.path + "/" + Self.segmentName(segment)
                let bytes = try FileIO.readAll(path)
                let (records, end) = Self.decodeRecords(bytes, handle)
                report.records += records
                report.bytes += bytes.count
                if end < bytes.count {
                    // A checkpoint is written whole and renamed into place, so damage here is
                    // disk corruption: use what is readable and say so.
                    logger.warning("WAL checkpoint is corrupt; using the records before the damage", metadata: ["file": "\(path)", "offset": "\(end)"])
                    statistics.corruptions.add(1, ordering: .relaxed)
                }
            }
            firstSegment = checkpoint.upTo + 1
        }
        let segments = try segments().filter { $0 >= firstSegment }
        report.missingSegments = Self.missing(in: segments, after: try latestCheckpoint()?.upTo)
        if !report.missingSegments.isEmpty {
            // Replay reads on past the gap: the records there whose series were defined in a missing
            // segment are skipped (counted as unknown references), the rest are kept.
            statistics.missingSegments.add(UInt64(report.missingSegments.count), ordering: .relaxed)
            logger.error("WAL segments are missing; replaying the segments around them, samples in them are lost", metadata: [
                "dir": "\(directory)", "missing": "\(Self.describe(report.missingSegments))",
            ])
        }
        for (position, segment) in segments.enumerated() {
            let path = directory + "/" + Self.segmentName(segment)
            let bytes = try FileIO.readAll(path)
            let (records, end) = Self.decodeRecords(bytes, handle)
            report.records += records
            report.bytes += end
            report.segments += 1
            if end < bytes.count && readOnly {
                // The writer may be part-way through this record; read up to it and stop.
                break
            }
            if end < bytes.count {
                statistics.corruptions.add(1, ordering: .relaxed)
                let later = segments[(position + 1)...]
                report.repaired = "\(path) at byte \(end) of \(bytes.count)" + (later.isEmpty ? "" : ", removed \(later.count) later segment(s)")
                logger.warning("WAL ends in a torn or corrupt record; cutting it", metadata: [
                    "segment": "\(path)", "offset": "\(end)", "size": "\(bytes.count)", "later_segments_removed": "\(later.count)",
                ])
                guard truncate(path, off_t(end)) == 0 else { throw StorageError.io("truncate \(path)", errno) }
                for segment in later { try FileIO.remove(directory + "/" + Self.segmentName(segment)) }
                break
            }
        }
        return report
    }

    /// Segment numbers absent from `present` (ascending): holes between its members and, after a
    /// checkpoint covering up to `checkpoint`, before its first.
    static func missing(in present: [Int], after checkpoint: Int?) -> [Int] {
        guard let first = present.first else { return [] }
        var missing: [Int] = []
        var expected = checkpoint.map { $0 + 1 } ?? first
        for segment in present {
            // Bounded: a gap of millions of segments is reported by its ends.
            if segment > expected { missing += segment - expected <= 1000 ? Array(expected..<segment) : [expected, segment - 1] }
            expected = segment + 1
        }
        return missing
    }

    /// `[3, 4, 5, 9]` as `00000003…00000005, 00000009`.
    static func describe(_ segments: [Int]) -> String {
        var runs: [(Int, Int)] = []
        for segment in segments {
            if let last = runs.last, last.1 + 1 == segment { runs[runs.count - 1].1 = segment } else { runs.append((segment, segment)) }
        }
        return runs.map { $0 == $1 ? segmentName($0) : segmentName($0) + "…" + segmentName($1) }.joined(separator: ", ")
    }

    /// Decodes frames until the end or the first bad one; returns the count and where decoding stopped.
    static func decodeRecords(_ bytes: [UInt8], _ handle: (WALRecord) -> Void) -> (Int, Int) {
        var count = 0
        var end = 0
        scanFrames(bytes[...]) { kind, payload, frameEnd in
            guard let record = WALRecord.decode(kind: kind, payload: payload) else { return false }
            handle(record)
            count += 1
            end = frameEnd
            return true
        }
        return (count, end)
    }

    /// Walks CRC-checked frames from the start of `bytes` until the end, a torn or corrupt frame, or
    /// `handle` returning false; `handle` gets the kind, the payload and the offset past the frame.
    static func scanFrames(_ bytes: ArraySlice<UInt8>, _ handle: (UInt8, UnsafeRawBufferPointer, Int) -> Bool) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset + 9 <= raw.count {
                let kind = raw[offset]
                let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self)))
                let expected = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 5, as: UInt32.self))
                guard length <= raw.count - offset - 9 else { return }
                let payload = UnsafeRawBufferPointer(rebasing: raw[(offset + 9)..<(offset + 9 + length)])
                guard Checksum.crc32(payload, seed: Checksum.kindSeeds[Int(kind)]) == expected else { return }
                offset += 9 + length
                guard handle(kind, payload, offset) else { return }
            }
        }
    }
}
