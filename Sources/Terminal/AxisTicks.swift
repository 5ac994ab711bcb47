import Foundation

/// Tick positions and labels for a chart's axes: "nice" value steps (1, 2, 2.5 or 5 times a power
/// of ten) on the y axis, whole clock intervals in UTC on the time axis.
enum AxisTicks {
    /// The smallest nice step that cuts `span` into at most `count` parts.
    static func valueStep(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite, count > 0 else { return 1 }
        let raw = span / Double(count)
        let magnitude = pow10(Int(Foundation.log10(raw).rounded(.down)))
        for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor * magnitude >= raw * (1 - 1e-9) { return factor * magnitude }
        return 10 * magnitude
    }

    /// A tick value in few characters: SI suffixes from a thousand up, and only as many decimals as
    /// the step between ticks needs.
    static func valueLabel(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let suffixes: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in suffixes where abs(value) >= scale {
            return fixed(value / scale, decimals: decimals(for: step / scale)) + suffix
        }
        if abs(value) < 1e-3 { return scientific(value) }
        return fixed(value, decimals: decimals(for: step))
    }

    /// Decimals that tell steps of `step` apart, at most 6.
    static func decimals(for step: Double) -> Int {
        var decimals = 0
        var scaled = step
        while decimals < 6 && abs(scaled - scaled.rounded()) > 1e-6 * max(1, abs(scaled)) {
            scaled *= 10
            decimals += 1
        }
        return decimals
    }

    static func fixed(_ value: Double, decimals: Int) -> String {
        let scale = pow10(decimals)
        let rounded = (abs(value) * scale).rounded()
        let whole = Int64(rounded / scale)
        let fraction = Int64(rounded.truncatingRemainder(dividingBy: scale))
        var text = (value < 0 && rounded != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }

    static func scientific(_ value: Double) -> String {
        let exponent = Int(Foundation.log10(abs(value)).rounded(.down))
        return fixed(value / pow10(exponent), decimals: 1) + "e" + String(exponent)
    }

    static func pow10(_ exponent: Int) -> Double { Foundation.pow(10, Double(exponent)) }

    // MARK: Time

    /// Clock intervals a time axis may tick at, in ms.
    static let timeIntervals: [Int64] = [
        1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800, 2_592_000,
    ].map { $0 * 1000 }

    /// Whole-interval instants in `start...end`, the interval chosen so at most `count` fit.
    static func timeTicks(start: Int64, end: Int64, count: Int) -> (interval: Int64, ticks: [Int64]) {
        let span = max(end - start, 1)
        let interval = timeIntervals.first { span / $0 < Int64(max(count, 1)) } ?? timeIntervals.last!
        var tick = (start / interval) * interval
        if tick < start { tick += interval }
        var ticks: [Int64] = []
        while tick <= end && ticks.count <= count {
            ticks.append(tick)
            tick += interval
        }
        return (interval, ticks)
    }

    /// `HH:MM` (with seconds below a minute's interval), prefixed by `MM-DD` when the axis spans days.
    static func timeLabel(_ milliseconds: Int64, interval: Int64, spansDays: Bool) -> String {
        let civil = UTCTime(milliseconds: milliseconds)
        let clock = interval < 60_000 ? "\(two(civil.hour)):\(two(civil.minute)):\(two(civil.second))" : "\(two(civil.hour)):\(two(civil.minute))"
        if interval >= 86_400_000 { return "\(two(civil.month))-\(two(civil.day))" }
        return spansDays ? "\(two(civil.month))-\(two(civil.day)) \(clock)" : clock
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// A UTC calendar time from Unix milliseconds (proleptic Gregorian, days from the civil epoch).
struct UTCTime {
    var year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0

    init(milliseconds: Int64) {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        var days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let inDay = Int(seconds - days * 86400)
        hour = inDay / 3600
        minute = inDay % 3600 / 60
        second = inDay % 60
        // Days to year/month/day, with years starting in March so the leap day comes last.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }
}
