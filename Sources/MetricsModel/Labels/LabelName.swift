/// Which label and metric names are accepted.
package enum NameValidationScheme: String, Sendable, Codable {
    /// `[a-zA-Z_][a-zA-Z0-9_]*` for labels, `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names.
    case legacy
    /// Any non-empty UTF-8 string (Prometheus 3.x default).
    case utf8
}

/// Label- and metric-name checks, byte-wise so they cost no allocation.
package enum LabelName {
    /// Whether `name` is a valid label name under `scheme`.
    package static func isValid(_ name: String, scheme: NameValidationScheme = .utf8) -> Bool {
        switch scheme {
        case .utf8: return !name.isEmpty  // Swift strings are always valid UTF-8.
        case .legacy: return isLegacyLabelName(name)
        }
    }

    /// Whether `name` is a valid metric name under `scheme`.
    package static func isValidMetricName(_ name: String, scheme: NameValidationScheme = .utf8) -> Bool {
        switch scheme {
        case .utf8: return !name.isEmpty
        case .legacy: return isLegacyMetricName(name)
        }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    package static func isLegacyLabelName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = isLetterOrUnderscore(byte) || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    package static func isLegacyMetricName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = isLetterOrUnderscore(byte) || byte == UInt8(ascii: ":") || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }

    @inline(__always) static func isLetterOrUnderscore(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x5f
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}
