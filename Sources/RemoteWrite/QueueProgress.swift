import Foundation
import TSDB

/// A queue's place in the WAL, kept in `<storage>/remote/<queue key>/progress`
/// (docs/format/remote-write.md): everything before it has been acknowledged by the receiver.
///
/// It is replaced by rename after every acknowledged batch, so a killed process finds the last
/// one; it is fsync'ed at most every `syncInterval`, so a power loss can only move it back (and
/// re-send), never forward (and lose).
struct QueueProgress {
    let directory: String
    let syncInterval: Duration
    private var lastSync = ContinuousClock.now - .seconds(3600)
    private(set) var saved: WALPosition?

    var path: String { directory + "/progress" }

    init(directory: String, syncInterval: Duration = .seconds(5)) {
        self.directory = directory
        self.syncInterval = syncInterval
    }

    /// What the file says: nil when there is none; throws when it is unreadable.
    func load() throws -> WALPosition? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let fields = text.split(separator: "\n").first?.split(separator: " ") ?? []
        guard fields.count == 4, fields[0] == "v1", let segment = Int(fields[1]), let offset = Int(fields[2]), let done = Int(fields[3]),
            segment >= 0, offset >= 0, done >= 0
        else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        return WALPosition(segment: segment, offset: offset, samplesDone: done)
    }

    /// Writes `position` (and who it belongs to, for people reading the directory).
    mutating func save(_ position: WALPosition, remote: String) throws {
        guard position != saved else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = "v1 \(position.segment) \(position.offset) \(position.samplesDone)\n\(remote)\n"
        let temporary = path + ".tmp"
        let sync = ContinuousClock.now - lastSync >= syncInterval
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if sync { fsync(fd) }
        close(fd)
        guard written == bytes.count else { throw POSIXError(.EIO) }
        guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        if sync {
            let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directoryFD >= 0 {
                fsync(directoryFD)
                close(directoryFD)
            }
            lastSync = .now
        }
        saved = position
    }
}
