#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the store, each with enough context to act on.
package enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed; `errno` says why (ENOSPC: the disk is full).
    case io(String, Int32)
    case corrupt(String)
    case closed
    case sqlite(String)
    /// A directory opened read-only is missing or holds no store.
    case notAStore(String)
    /// A read-only open saw the store change under it on every attempt.
    case changing(String)

    package var description: String {
        switch self {
        case .io(let what, let code):
            let reason = String(cString: strerror(code))
            return code == ENOSPC ? "\(what): disk full (\(reason))" : "\(what): \(reason)"
        case .corrupt(let what): return "corrupt data: \(what)"
        case .closed: return "storage is closed"
        case .sqlite(let what): return "sqlite: \(what)"
        case .notAStore(let what), .changing(let what): return what
        }
    }

    /// Whether this is the disk running out of space.
    var isDiskFull: Bool {
        if case .io(_, let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }
}
