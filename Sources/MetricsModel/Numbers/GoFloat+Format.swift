extension GoFloat {
    /// Go's `strconv.FormatFloat(value, 'g', -1, 64)`: the shortest digits that round-trip, in
    /// exponent form (`1e-05`, `1.234567e+06`) when the decimal exponent is below -4 or 6 and above.
    /// Infinities print as `+Inf`/`-Inf` and NaN as `NaN`, as Prometheus prints them.
    package static func formatG(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        let exponent = shortestDigits(value).1 - 1
        // Go's 'g' with shortest precision switches to %e at exponents < -4 or >= 6.
        if exponent < -4 || exponent >= 6 { return formatE(value) }
        return formatPlain(value)
    }

    /// Go's `strconv.FormatFloat(value, 'e', -1, 64)`: `1e-09`, `1.5e+300`, `-2.5e+00`.
    package static func formatE(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0e+00" : "0e+00" }
        let (digits, point) = shortestDigits(value)
        var out = value < 0 ? "-" : ""
        out.append(digits.first!)
        if digits.count > 1 { out += "." + digits.dropFirst() }
        let exponent = point - 1
        out += exponent < 0 ? "e-" : "e+"
        out += (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
        return out
    }

    /// Go's `strconv.FormatFloat(value, 'f', -1, 64)`: plain decimals, never an exponent.
    package static func formatPlain(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        let (digits, point) = shortestDigits(value)
        var out = value < 0 ? "-" : ""
        if point <= 0 { return out + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return out + digits + String(repeating: "0", count: point - digits.count) }
        let split = digits.index(digits.startIndex, offsetBy: point)
        out += digits[..<split] + "." + digits[split...]
        return out
    }

    /// Prometheus's `FormatOpenMetricsFloat`: `formatG` with `.0` appended to integral results.
    package static func formatOpenMetrics(_ value: Double) -> String {
        let text = formatG(value)
        if value.isNaN || value.isInfinite { return text }
        if text.contains(".") || text.contains("e") { return text }
        return text + ".0"
    }

    /// The shortest round-trip digits and decimal point position (see `shortestDigits`), for printers
    /// that lay numbers out in other forms (PromQL prints plain decimals).
    static func shortestDigitsForPrinting(_ value: Double) -> (String, Int) {
        value == 0 ? ("", 0) : shortestDigits(value)
    }

    /// The shortest round-trip decimal digits of `value` (no sign, no leading or trailing zeros) and the
    /// position of the decimal point relative to them: value = 0.d1d2d3… × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (String, Int) {
        // Swift's description already yields the shortest round-trip digits; only the layout differs.
        let text = abs(value).description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fractionPart
        var point = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, point)
    }
}
