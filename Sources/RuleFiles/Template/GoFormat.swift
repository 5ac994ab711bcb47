import Foundation
import MetricsModel

/// The parts of Go's `fmt` that rule templates reach: `printf` verbs and `%.4g`.
enum GoFormat {
    /// `fmt.Sprintf(format, args…)` for the verbs `%v %s %d %f %F %e %g %q %x %X %t %%`, with flags
    /// `-+ 0#`, width and precision. Wrong or missing operands print Go's `%!verb(…)` markers.
    static func printf(_ format: String, _ arguments: [TemplateValue]) -> String {
        var out = ""
        var remaining = arguments[...]
        var characters = Array(format)[...]
        while let character = characters.popFirst() {
            guard character == "%" else { out.append(character); continue }
            var flags = ""
            while let next = characters.first, "-+ 0#".contains(next) { flags.append(next); characters.removeFirst() }
            let width = number(&characters)
            var precision: Int?
            // Go reads a precision only when something follows the dot.
            if characters.first == ".", characters.count > 1 {
                characters.removeFirst()
                precision = number(&characters) ?? 0
            }
            guard let verb = characters.popFirst() else { out += "%!(NOVERB)"; break }
            if verb == "%" { out.append("%"); continue }
            guard let argument = remaining.popFirst() else { out += "%!\(verb)(MISSING)"; continue }
            out += pad(formatted(argument, verb: verb, flags: flags, precision: precision), width: width ?? 0, flags: flags)
        }
        if !remaining.isEmpty {
            out += "%!(EXTRA " + remaining.map { "\($0.kindName)=\($0.printed)" }.joined(separator: ", ") + ")"
        }
        return out
    }

    /// A width or precision: ASCII digits, nil when there are none. Like Go's `parsenum`, a number
    /// that grows past a million stops the parse and takes the rest of the format with it (Go then
    /// prints `%!(NOVERB)`), so a template cannot ask for a width of 10¹³ spaces.
    static func number(_ characters: inout ArraySlice<Character>) -> Int? {
        var value: Int?
        while let next = characters.first, let digit = next.asciiValue.map({ Int($0) - 48 }), (0...9).contains(digit) {
            if let current = value, current > 1_000_000 {
                characters = []
                return nil
            }
            value = (value ?? 0) * 10 + digit
            characters.removeFirst()
        }
        return value
    }

    static func formatted(_ argument: TemplateValue, verb: Character, flags: String, precision: Int?) -> String {
        switch (verb, argument) {
        case ("v", _), ("s", .string): return argument.printed
        case ("s", _): return argument.printed
        case ("q", .string(let text)): return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case ("t", .bool(let value)): return value ? "true" : "false"
        case ("d", .int(let value)): return (flags.contains("+") && value >= 0 ? "+" : "") + String(value)
        case ("x", .int(let value)), ("X", .int(let value)):
            let text = String(value, radix: 16)
            return verb == "X" ? text.uppercased() : text
        case ("x", .string(let text)), ("X", .string(let text)):
            let hex = text.utf8.map { $0.hexadecimal(digits: 2, uppercase: false) }.joined()
            return verb == "X" ? hex.uppercased() : hex
        case ("f", _), ("F", _), ("e", _), ("g", _):
            guard let value = numeric(argument) else { return "%!\(verb)(\(argument.kindName)=\(argument.printed))" }
            return float(value, verb: verb, flags: flags, precision: precision)
        default:
            return "%!\(verb)(\(argument.kindName)=\(argument.printed))"
        }
    }

    static func numeric(_ value: TemplateValue) -> Double? {
        switch value {
        case .float(let number): return number
        case .int(let number): return Double(number)
        default: return nil
        }
    }

    /// `%f`, `%e`, `%g` on a float as Go writes them (`+Inf`, `NaN`; `%g` without a precision is the shortest form).
    static func float(_ value: Double, verb: Character, flags: String, precision: Int?) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = flags.contains("+") && value >= 0 ? "+" : ""
        switch verb {
        case "g" where precision == nil: return sign + GoFloat.formatG(value)
        // C's %g and %e agree with Go's once infinities and NaN are out of the way.
        case "g": return sign + String(format: "%.\(precision!)g", value)
        case "e": return sign + String(format: "%.\(precision ?? 6)e", value)
        default: return sign + String(format: "%.\(precision ?? 6)f", value)
        }
    }

    /// `%.4g`, the humanize functions' format.
    static func fourDigits(_ value: Double) -> String {
        float(value, verb: "g", flags: "", precision: 4)
    }

    static func pad(_ text: String, width: Int, flags: String) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: flags.contains("0") && !flags.contains("-") ? "0" : " ", count: width - text.count)
        if flags.contains("-") { return text + fill }
        if fill.first == "0", let sign = text.first, sign == "-" || sign == "+" { return String(sign) + fill + text.dropFirst() }
        return fill + text
    }
}

/// Go's `time.Time` and `time.Duration` as `fmt` prints them, in UTC.
enum GoTime {
    /// `2006-01-02 15:04:05.999 +0000 UTC` for Unix milliseconds (Prometheus's times have ms precision).
    static func string(milliseconds: Int64) -> String {
        let civil = floorDivide(milliseconds, 1000)
        let date = Date(timeIntervalSince1970: Double(civil.quotient))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        var text = String(format: "%04d", parts.year ?? 0) + "-" + two(parts.month) + "-" + two(parts.day) + " "
            + two(parts.hour) + ":" + two(parts.minute) + ":" + two(parts.second)
        if civil.remainder > 0 {
            var fraction = String(format: "%03d", civil.remainder)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + " +0000 UTC"
    }

    /// A `.time` value (seconds, already checked to fit) as Go prints it.
    static func string(_ seconds: Double) -> String {
        string(milliseconds: Int64((seconds * 1000).rounded()))
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    /// `1h2m3.5s`, `500ms`, `0s`, as `time.Duration.String`.
    static func durationString(_ seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        let sign = seconds < 0 ? "-" : ""
        let magnitude = abs(seconds)
        if magnitude < 1 {
            for (scale, unit) in [(1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")] where magnitude >= scale {
                return sign + GoFloat.formatPlain((magnitude / scale * 1e6).rounded() / 1e6) + unit
            }
            return sign + "0s"
        }
        let hours = Int(magnitude / 3600)
        let minutes = Int(magnitude.truncatingRemainder(dividingBy: 3600) / 60)
        let rest = magnitude - Double(hours * 3600 + minutes * 60)
        let secondsText = GoFloat.formatPlain((rest * 1e9).rounded() / 1e9) + "s"
        if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(secondsText)" }
        if minutes > 0 { return "\(sign)\(minutes)m\(secondsText)" }
        return sign + secondsText
    }
}
