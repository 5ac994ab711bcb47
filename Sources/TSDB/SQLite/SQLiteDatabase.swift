import CSQLite
import MetricsModel

/// A thin owned wrapper over one SQLite connection. Not thread-safe: each user keeps its own
/// connection or serialises access. Never call it from an event loop.
final class SQLiteDatabase {
    let handle: OpaquePointer
    let path: String

    /// `readOnly` opens a finished block's index: read-only and marked immutable, so SQLite takes no
    /// file locks (two `fcntl` calls per statement otherwise) and trusts its cache.
    init(path: String, readOnly: Bool = false) throws(StorageError) {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let name = readOnly ? Self.immutableURI(path) : path
        let status = sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            if let db { sqlite3_close_v2(db) }
            throw .sqlite("open \(path): \(message)")
        }
        handle = db
        self.path = path
    }

    deinit { sqlite3_close_v2(handle) }

    /// `file:` URI of `path` with `immutable=1`; characters a URI gives meaning to are percent-encoded.
    static func immutableURI(_ path: String) -> String {
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x21, 0x7f...0xff:
                encoded += "%" + byte.hexadecimal(digits: 2, uppercase: true)
            default: encoded.append(Character(UnicodeScalar(byte)))
            }
        }
        return "file:" + encoded + "?immutable=1"
    }

    func execute(_ sql: String) throws(StorageError) {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw .sqlite("\(message) in: \(sql.prefix(80))")
        }
    }

    func prepare(_ sql: String) throws(StorageError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
            throw .sqlite("\(String(cString: sqlite3_errmsg(handle))) in: \(sql.prefix(80))")
        }
        return SQLiteStatement(statement, database: self)
    }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A prepared statement, reused with `reset` between executions.
final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let database: SQLiteDatabase

    init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(handle, index, value, -1, csqlite_transient())
    }

    func bind(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), csqlite_transient())
        }
    }

    /// Steps once: true when a row is available, false when done.
    func step() throws(StorageError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw .sqlite(database.lastError)
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws(StorageError) {
        defer { reset() }
        _ = try step()
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: text)
    }

    /// The blob in `column`, valid until the next step or reset.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let base = sqlite3_column_blob(handle, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base, count: count)
    }
}
