/// A duration in Prometheus's notation (`1y2w3d4h5m6s7ms`, units in that order, each at most once;
/// `0` alone is allowed), held as milliseconds. Used by configs, PromQL and the API.
package struct PromDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var milliseconds: Int64

    package init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    package static func seconds(_ seconds: Int64) -> PromDuration { PromDuration(milliseconds: seconds * 1000) }

    package var seconds: Double { Double(milliseconds) / 1000 }

    package var duration: Duration { .milliseconds(milliseconds) }

    package static func < (lhs: PromDuration, rhs: PromDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    private static let units: [(String, Int64)] = [
        ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000),
        ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses Prometheus's duration syntax. Returns nil for anything else, including an empty string.
    package init?(parsing text: String) {
        if text == "0" {
            milliseconds = 0
            return
        }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var index = 0
        var nextUnit = 0
        var total: Int64 = 0
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let (times, o1) = number.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(bytes[index] - 0x30))
                if o1 || o2 { return nil }
                number = sum
                index += 1
            }
            guard index > start, index < bytes.count else { return nil }
            // "ms" must be tried before "m".
            var matched: (Int, Int64, Int)?
            for (position, unit) in Self.units.enumerated() where position >= nextUnit {
                let symbol = Array(unit.0.utf8)
                if index + symbol.count <= bytes.count, Array(bytes[index..<(index + symbol.count)]) == symbol {
                    // "m" must not swallow the "m" of "ms".
                    if unit.0 == "m", index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") { continue }
                    matched = (position, unit.1, symbol.count)
                    break
                }
            }
            guard let (position, scale, width) = matched else { return nil }
            let (product, o3) = number.multipliedReportingOverflow(by: scale)
            let (sum, o4) = total.addingReportingOverflow(product)
            if o3 || o4 { return nil }
            total = sum
            index += width
            nextUnit = position + 1
        }
        milliseconds = total
    }

    /// Prometheus's canonical form: largest units first, zero parts left out, `0s` for zero.
    package var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var out = rest < 0 ? "-" : ""
        rest = abs(rest)
        for (symbol, scale) in Self.units where rest >= scale {
            out += "\(rest / scale)\(symbol)"
            rest %= scale
        }
        return out
    }
}

extension PromDuration: Codable {
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = PromDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a valid duration string: \"\(text)\"")
        }
        self = parsed
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
