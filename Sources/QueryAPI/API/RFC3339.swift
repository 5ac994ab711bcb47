import Foundation

/// Times as the API writes them (RFC 3339 in UTC with milliseconds, `2026-12-03T14:00:00.123Z`) and
/// reads them (with or without fractional seconds). One place, so every endpoint agrees.
package enum RFC3339 {
    package static func string(_ date: Date) -> String {
        formatter(fractional: true).string(from: date)
    }

    package static func string(milliseconds: Int64) -> String {
        string(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// Milliseconds since the epoch, nil when `text` is not an RFC 3339 time.
    static func milliseconds(parsing text: String) -> Int64? {
        for fractional in [true, false] {
            if let date = formatter(fractional: fractional).date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }

    /// A fresh formatter per use: `ISO8601DateFormatter` is not safe to share across threads.
    private static func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter
    }
}
