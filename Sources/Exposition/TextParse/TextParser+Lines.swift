import MetricsModel

// The line grammar. Prometheus text is lenient about blanks (spaces and tabs anywhere between
// tokens, blank lines, any comment); OpenMetrics is strict (single spaces, no blank lines, only
// HELP/TYPE/UNIT comments, and a final `# EOF`).
extension TextParser {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let hash = UInt8(ascii: "#")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let braceOpen = UInt8(ascii: "{")
    static let braceClose = UInt8(ascii: "}")
    static let comma = UInt8(ascii: ",")
    static let equal = UInt8(ascii: "=")

    @inline(__always) var atEnd: Bool { position >= bytes.count }
    @inline(__always) var current: UInt8 { bytes[position] }
    @inline(__always) func isBlank(_ b: UInt8) -> Bool { b == Self.space || b == Self.tab }

    @inline(__always) static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x5f
    }
    @inline(__always) static func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) }
    @inline(__always) static func isMetricStart(_ b: UInt8) -> Bool { isNameStart(b) || b == 0x3a }
    @inline(__always) static func isMetricChar(_ b: UInt8) -> Bool { isNameChar(b) || b == 0x3a }

    mutating func skipBlanks() {
        while position < bytes.count && isBlank(bytes[position]) { position += 1 }
    }

    mutating func nextEntry() throws -> ExpositionEntry? {
        while true {
            entryStart = position
            if atEnd {
                if strict && !options.partial { throw error("data does not end with # EOF") }
                return nil
            }
            let b = current
            if !strict && (b == Self.newline || isBlank(b)) {
                // Blank lines and leading blanks are allowed in Prometheus text.
                skipBlanks()
                if !atEnd && current == Self.newline { position += 1 }
                continue
            }
            if b == Self.hash {
                if let entry = try strict ? parseOpenMetricsComment() : parsePrometheusComment() { return entry }
                return nil
            }
            if b == Self.braceOpen || Self.isMetricStart(b) {
                try parseSeries()
                return .series
            }
            throw error("expected a valid start token, got \(found(at: position))")
        }
    }

    // MARK: Comments and metadata

    /// `# HELP`, `# TYPE`, or any other comment line.
    private mutating func parsePrometheusComment() throws -> ExpositionEntry? {
        let lineStart = position
        position += 1
        var keyword: ExpositionEntry?
        if !atEnd && isBlank(current) {
            skipBlanks()
            for (word, entry) in [("HELP", ExpositionEntry.help), ("TYPE", .type)] where matches(word) {
                let after = position + 4
                if after < bytes.count && isBlank(bytes[after]) {
                    keyword = entry
                    position = after
                }
            }
        }
        guard let keyword else {
            let end = lineEnd(from: position)
            metaText = lineStart..<end
            position = min(end + 1, bytes.count)
            return .comment
        }
        skipBlanks()
        try parseMetadataName(keyword)
        let nameEnd = position
        // The text is the rest of the line after one blank; it may be absent.
        if !atEnd && isBlank(current) { position += 1 }
        let end = lineEnd(from: position)
        if !atEnd && current != Self.newline && position == nameEnd {
            throw error("expected text in \(keyword == .help ? "HELP" : "TYPE"), got \(found(at: position))")
        }
        metaText = position..<end
        position = min(end + 1, bytes.count)
        return try finishMetadata(keyword)
    }

    /// `# HELP name text`, `# TYPE name type`, `# UNIT name unit` or `# EOF`; nothing else is allowed.
    private mutating func parseOpenMetricsComment() throws -> ExpositionEntry? {
        let start = position
        guard position + 1 < bytes.count, bytes[position + 1] == Self.space else {
            throw error("expected a valid start token, got \(found(at: start))")
        }
        position += 2
        if matches("EOF") {
            position += 3
            sawEOFMarker = true
            if !atEnd && current == Self.newline { position += 1 }
            if !atEnd { throw error("unexpected data after # EOF") }
            return nil
        }
        var keyword: ExpositionEntry?
        for (word, entry) in [("HELP", ExpositionEntry.help), ("TYPE", .type), ("UNIT", .unit)]
        where matches(word) && position + 4 < bytes.count && bytes[position + 4] == Self.space {
            keyword = entry
        }
        guard let keyword else { throw error("expected a valid start token, got \(found(at: start))", at: start) }
        let word = keyword == .help ? "HELP" : keyword == .type ? "TYPE" : "UNIT"
        position += 5
        try parseMetadataName(keyword)
        guard !atEnd, current == Self.space else { throw error("expected text in \(word)") }
        position += 1
        let end = lineEnd(from: position)
        metaText = position..<end
        if end >= bytes.count { position = end; throw error("data does not end with # EOF") }
        position = end + 1
        return try finishMetadata(keyword)
    }

    private mutating func parseMetadataName(_ keyword: ExpositionEntry) throws {
        let word = keyword == .help ? "HELP" : keyword == .type ? "TYPE" : "UNIT"
        if !atEnd && current == Self.quote {
            let (range, escaped) = try scanQuoted(what: "metric name after \(word)")
            metaName = range
            metaNameEscaped = escaped
        } else if !atEnd && Self.isMetricStart(current) {
            let start = position
            while position < bytes.count && Self.isMetricChar(bytes[position]) { position += 1 }
            metaName = start..<position
            metaNameEscaped = false
        } else {
            throw error("expected metric name after \(word), got \(found(at: position))")
        }
    }

    private mutating func finishMetadata(_ keyword: ExpositionEntry) throws -> ExpositionEntry {
        switch keyword {
        case .type:
            let text = String(decoding: bytes[metaText], as: UTF8.self)
            let parsed: MetricType?
            if strict {
                parsed = MetricType(rawValue: text)
            } else {
                switch text {
                case "counter", "gauge", "histogram", "summary": parsed = MetricType(rawValue: text)
                case "untyped": parsed = .unknown
                default: parsed = nil
                }
            }
            guard let parsed else { throw error("invalid metric type \(goQuoted(bytes[metaText]))", at: metaText.lowerBound) }
            metaType = parsed
            currentType = parsed
            currentTypeName = Array(bytes[metaName])
            currentUnit = []
            createdIndex = nil
            startTimestampCache = nil
        case .help:
            guard isValidUTF8(metaText) else {
                throw error("help text \(goQuoted(bytes[metaText])) is not a valid utf8 string", at: metaText.lowerBound)
            }
        case .unit:
            let unit = bytes[metaText]
            let name = bytes[metaName]
            if !unit.isEmpty {
                let isSuffix = name.count > unit.count && name.reversed().starts(with: unit.reversed())
                    && name[name.endIndex - unit.count - 1] == UInt8(ascii: "_")
                if !isSuffix {
                    throw error("unit \(goQuoted(unit)) not a suffix of metric \(goQuoted(name))", at: metaText.lowerBound)
                }
            }
            currentUnit = Array(unit)
        default:
            break
        }
        return keyword
    }

    // MARK: Series

    private mutating func parseSeries() throws {
        let start = position
        labelRanges.removeAll(keepingCapacity: true)
        hasExemplar = false
        exemplarTimestamp = nil
        timestamp = nil
        nameRange = nil
        nameEscaped = false
        var end: Int
        if current == Self.braceOpen {
            try parseLabelBlock(exemplar: false)
            end = position
        } else {
            while position < bytes.count && Self.isMetricChar(bytes[position]) { position += 1 }
            nameRange = start..<position
            end = position
            if !strict { skipBlanks() }
            if !atEnd && current == Self.braceOpen {
                try parseLabelBlock(exemplar: false)
                end = position
            } else {
                position = end
            }
        }
        seriesRange = start..<end
        guard nameRange != nil else {
            throw error("metric name not set while parsing: \(goQuoted(bytes[start..<min(lineEnd(from: position), bytes.count)]))", at: start)
        }
        value = try parseValue(what: "metric")
        if strict {
            try parseOpenMetricsLineEnd()
        } else {
            try parsePrometheusLineEnd()
        }
    }

    /// The value token: after blanks (Prometheus) or exactly one space (OpenMetrics).
    private mutating func parseValue(what: String) throws -> Double {
        if strict {
            guard !atEnd, current == Self.space else { throw error("expected value after \(what), got \(found(at: position))") }
            position += 1
        } else {
            guard !atEnd, isBlank(current) else { throw error("expected value after \(what), got \(found(at: position))") }
            skipBlanks()
        }
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            if b == Self.newline || b == Self.space || (!strict && b == Self.tab) { break }
            position += 1
        }
        if start == position { throw error("expected value after \(what), got \(found(at: position))") }
        return try parseFloat(start..<position)
    }

    private func parseFloat(_ range: Range<Int>) throws -> Double {
        let result = bytes.withUnsafeBufferPointer { buffer in
            GoFloat.parse(UnsafeBufferPointer(rebasing: buffer[range]))
        }
        switch result {
        case .success(let number):
            // Any NaN in an exposition is an ordinary NaN, never the stale marker.
            return number.isNaN ? StaleMarker.normalNaN : number
        case .failure(.unsupportedCharacter):
            throw error("unsupported character in float while parsing: \(goQuoted(bytes[entryStart..<range.upperBound]))", at: range.lowerBound)
        case .failure(.outOfRange):
            throw error("value out of range: \(goQuoted(bytes[range]))", at: range.lowerBound)
        case .failure(.invalidSyntax):
            throw error("invalid float \(goQuoted(bytes[range]))", at: range.lowerBound)
        }
    }

    /// After the value: blanks, an optional integer timestamp in milliseconds, blanks, newline or end.
    private mutating func parsePrometheusLineEnd() throws {
        skipBlanks()
        if atEnd { return }
        if current == Self.newline { position += 1; return }
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        var value: Int64 = 0
        var digits = 0
        let negative = position > start
        while position < bytes.count, bytes[position] >= 0x30 && bytes[position] <= 0x39 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(bytes[position] - 0x30))
            if overflow1 || overflow2 { throw error("timestamp out of range", at: start) }
            value = sum
            digits += 1
            position += 1
        }
        if digits == 0 { throw error("expected timestamp or new record, got \(found(at: start))", at: start) }
        timestamp = negative ? -value : value
        skipBlanks()
        if atEnd { return }
        guard current == Self.newline else { throw error("expected next entry after timestamp, got \(found(at: position))") }
        position += 1
    }

    /// After the value: newline, or ` timestamp`, or ` # exemplar`, each ending in a newline.
    private mutating func parseOpenMetricsLineEnd() throws {
        if atEnd { throw error("data does not end with # EOF") }
        if current == Self.newline { position += 1; return }
        guard current == Self.space else { throw error("expected timestamp or comment, got \(found(at: position))") }
        if position + 1 < bytes.count && bytes[position + 1] == Self.hash {
            try parseExemplar()
            return
        }
        position += 1
        let start = position
        while position < bytes.count && bytes[position] != Self.space && bytes[position] != Self.newline { position += 1 }
        if start == position { throw error("expected timestamp, got \(found(at: position))") }
        if let exact = exactMilliseconds(start..<position) {
            timestamp = exact
        } else {
            let seconds = try parseFloat(start..<position)
            guard seconds.isFinite else { throw error("invalid timestamp \(GoFloat.formatG(seconds))", at: start) }
            timestamp = try milliseconds(seconds, at: start)
        }
        if atEnd { throw error("data does not end with # EOF") }
        if current == Self.newline { position += 1; return }
        if bytes.count - position >= 2 && bytes[position + 1] == Self.hash && (position + 2 >= bytes.count || bytes[position + 2] == Self.space) {
            try parseExemplar()
            return
        }
        throw error("expected next entry after timestamp, got \(found(at: position))")
    }

    /// ` # {labels} value[ timestamp]` and the newline.
    private mutating func parseExemplar() throws {
        // At " #".
        guard position + 3 < bytes.count, bytes[position + 2] == Self.space, bytes[position + 3] == Self.braceOpen else {
            if position + 3 >= bytes.count { throw error("data does not end with # EOF") }
            throw error("expected exemplar labels, got \(found(at: position + 2))", at: position + 2)
        }
        position += 3
        exemplarRanges.removeAll(keepingCapacity: true)
        try parseLabelBlock(exemplar: true)
        exemplarValue = try parseValue(what: "exemplar labels")
        hasExemplar = true
        if atEnd { throw error("data does not end with # EOF") }
        if current == Self.newline { position += 1; return }
        guard current == Self.space else { throw error("expected timestamp or comment, got \(found(at: position))") }
        position += 1
        let start = position
        while position < bytes.count && bytes[position] != Self.space && bytes[position] != Self.newline { position += 1 }
        let seconds = try parseFloat(start..<position)
        guard seconds.isFinite else { throw error("invalid exemplar timestamp \(GoFloat.formatG(seconds))", at: start) }
        exemplarTimestamp = try milliseconds(seconds, at: start)
        if atEnd { throw error("data does not end with # EOF") }
        guard current == Self.newline else { throw error("expected next entry after exemplar timestamp, got \(found(at: position))") }
        position += 1
    }

    /// `123.456` (at most three decimals, no exponent) read straight into milliseconds, so
    /// timestamps written with millisecond precision come back exact (float arithmetic can turn
    /// `.123` into 122.999…). Nil for any other form.
    private func exactMilliseconds(_ range: Range<Int>) -> Int64? {
        var i = range.lowerBound
        var negative = false
        if i < range.upperBound && bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var whole: Int64 = 0
        var digits = 0
        while i < range.upperBound, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            guard digits < 15 else { return nil }
            whole = whole * 10 + Int64(bytes[i] - 0x30)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if i < range.upperBound && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < range.upperBound, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                guard fractionDigits < 3 else { return nil }
                fraction = fraction * 10 + Int64(bytes[i] - 0x30)
                fractionDigits += 1
                i += 1
            }
        }
        guard i == range.upperBound else { return nil }
        for _ in fractionDigits..<3 { fraction *= 10 }
        let value = whole * 1000 + fraction
        return negative ? -value : value
    }

    /// Seconds to milliseconds, truncating as Go's `int64(ts * 1000)` does.
    private func milliseconds(_ seconds: Double, at offset: Int) throws -> Int64 {
        let scaled = seconds * 1000
        guard scaled > -9.2e18 && scaled < 9.2e18 else { throw error("timestamp out of range", at: offset) }
        return Int64(scaled)
    }

    // MARK: Labels

    /// `{name="value",…}` from the opening brace, into `labelRanges` or `exemplarRanges`;
    /// a quoted string standing alone is the metric name.
    private mutating func parseLabelBlock(exemplar: Bool) throws {
        position += 1  // {
        while true {
            if !strict { skipBlanks() }
            guard !atEnd else { throw error("expected label name, got end of input") }
            if current == Self.braceClose { position += 1; return }
            var name: Range<Int>
            var nameEscaped = false
            var quoted = false
            if current == Self.quote {
                (name, nameEscaped) = try scanQuoted(what: "label name")
                quoted = true
            } else if Self.isNameStart(current) {
                let start = position
                while position < bytes.count && Self.isNameChar(bytes[position]) { position += 1 }
                name = start..<position
            } else {
                throw error("expected label name, got \(found(at: position))")
            }
            if !strict { skipBlanks() }
            if quoted && !atEnd && (current == Self.comma || current == Self.braceClose) {
                if exemplar { throw error("expected label name, got \(found(at: position))") }
                if nameRange != nil { throw error("metric name already set") }
                nameRange = name
                self.nameEscaped = nameEscaped
                if current == Self.comma { position += 1 }
                continue
            }
            guard !atEnd, current == Self.equal else { throw error("expected equal, got \(found(at: position))") }
            position += 1
            if !strict { skipBlanks() }
            guard !atEnd, current == Self.quote else { throw error("expected label value, got \(found(at: position))") }
            let (value, valueEscaped) = try scanQuoted(what: "label value")
            let range = LabelRange(name: name, nameEscaped: nameEscaped, value: value, valueEscaped: valueEscaped)
            if exemplar { exemplarRanges.append(range) } else { labelRanges.append(range) }
            if !strict { skipBlanks() }
            guard !atEnd else { throw error("expected comma or brace close, got end of input") }
            if current == Self.comma {
                position += 1
            } else if current == Self.braceClose {
                position += 1
                return
            } else if strict {
                throw error("expected comma or brace close, got \(found(at: position))")
            }
            // Prometheus text also accepts pairs separated by blanks alone.
        }
    }

    /// A double-quoted string at `position`; returns the range inside the quotes and whether it holds
    /// escapes. Newlines may not appear inside; the content must be valid UTF-8.
    private mutating func scanQuoted(what: String) throws -> (Range<Int>, Bool) {
        let open = position
        position += 1
        var escaped = false
        while position < bytes.count {
            let b = bytes[position]
            if b == Self.quote {
                let range = (open + 1)..<position
                position += 1
                if !isValidUTF8(range) {
                    throw error("invalid UTF-8 \(what): \(goQuoted(bytes[open..<position]))", at: open)
                }
                return (range, escaped)
            }
            if b == Self.newline { break }
            if b == Self.backslash {
                escaped = true
                position += 1
                if position < bytes.count && bytes[position] == Self.newline { break }
            }
            position += 1
        }
        throw error("expected \(what), got \(found(at: open))", at: open)
    }

    // MARK: Scanning

    /// UTF-8 validity without building a String: ASCII is checked eight bytes at a time, and any
    /// other sequence by the standard's well-formedness table (no overlongs, surrogates or > U+10FFFF).
    func isValidUTF8(_ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var i = range.lowerBound
            let end = range.upperBound
            while i < end {
                if i + 8 <= end {
                    let word = UnsafeRawPointer(buffer.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        i += 8
                        continue
                    }
                }
                let b0 = buffer[i]
                if b0 < 0x80 { i += 1; continue }
                func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xbf) -> Bool {
                    i + offset < end && buffer[i + offset] >= low && buffer[i + offset] <= high
                }
                switch b0 {
                case 0xc2...0xdf:
                    guard continuation(1) else { return false }
                    i += 2
                case 0xe0:
                    guard continuation(1, 0xa0), continuation(2) else { return false }
                    i += 3
                case 0xe1...0xec, 0xee...0xef:
                    guard continuation(1), continuation(2) else { return false }
                    i += 3
                case 0xed:
                    guard continuation(1, 0x80, 0x9f), continuation(2) else { return false }
                    i += 3
                case 0xf0:
                    guard continuation(1, 0x90), continuation(2), continuation(3) else { return false }
                    i += 4
                case 0xf1...0xf3:
                    guard continuation(1), continuation(2), continuation(3) else { return false }
                    i += 4
                case 0xf4:
                    guard continuation(1, 0x80, 0x8f), continuation(2), continuation(3) else { return false }
                    i += 4
                default:
                    return false
                }
            }
            return true
        }
    }

    func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] { return false }
        return true
    }

    func matches(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard position + utf8.count <= bytes.count else { return false }
        return bytes[position..<(position + utf8.count)].elementsEqual(utf8)
    }

    /// The offset of the next newline at or after `start`, or the end of input.
    func lineEnd(from start: Int) -> Int {
        var i = start
        while i < bytes.count && bytes[i] != Self.newline { i += 1 }
        return i
    }
}
