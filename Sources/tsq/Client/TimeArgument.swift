import Foundation
import MetricsModel

/// Times on the command line: RFC 3339, Unix seconds, `now`, or `now-1h` / `-1h` relative to now.
enum TimeArgument {
    /// Unix milliseconds, or nil when `text` is none of the accepted forms.
    static func milliseconds(_ text: String, now: Int64) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return now }
        for prefix in ["now-", "-"] where trimmed.hasPrefix(prefix) {
            return PromDurationArgument.milliseconds(String(trimmed.dropFirst(prefix.count))).map { now - $0 }
        }
        if trimmed.hasPrefix("now+") {
            return PromDurationArgument.milliseconds(String(trimmed.dropFirst(4))).map { now + $0 }
        }
        if let seconds = Double(trimmed), seconds.isFinite, abs(seconds) < 1e13 { return Int64((seconds * 1000).rounded()) }
        return RFC3339Time.parse(trimmed)
    }

    /// The API's form: Unix seconds with milliseconds.
    static func apiText(_ milliseconds: Int64) -> String {
        Timestamps.secondsText(milliseconds)
    }

    static var now: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// Durations on the command line: Prometheus's (`1h30m`), or plain seconds.
enum PromDurationArgument {
    static func milliseconds(_ text: String) -> Int64? {
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return Int64((seconds * 1000).rounded()) }
        return PromDuration(parsing: text)?.milliseconds
    }
}

/// RFC 3339 in and out, UTC, with milliseconds only when there are any.
enum RFC3339Time {
    static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }

    static func format(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = milliseconds % 1000 == 0 ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
