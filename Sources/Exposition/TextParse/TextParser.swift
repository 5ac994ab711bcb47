import MetricsModel

/// A pull parser for Prometheus text 0.0.4 and OpenMetrics 1.0 over raw bytes.
///
/// `next()` advances one entry; accessors read the current one. Names, values and label ranges are
/// recorded as byte offsets into the input, and strings are only built when asked for, so the scrape
/// loop can look a series up by its raw bytes before paying for a label set.
/// Memory use is bounded by the input: the parser keeps the input, a few offsets per label
/// of the current line, and (OpenMetrics only) an index of one family's `_created` lines.
package struct TextParser {
    package struct Options: Sendable {
        /// OpenMetrics: swallow `_created` series of counters, summaries and histograms and report them
        /// as the start timestamp of their family's other series (Prometheus's default for scrapes).
        var skipCreatedSeries = true
        /// Add `__type__` and `__unit__` labels from the metadata (Prometheus's `type-and-unit-labels` feature).
        var typeAndUnitLabels = false
        /// The input is one piece of a longer exposition cut at a line boundary: OpenMetrics input
        /// may end without `# EOF`. Used by importers that stream large files.
        package var partial = false
        package init(skipCreatedSeries: Bool = true, typeAndUnitLabels: Bool = false, partial: Bool = false) {
            self.skipCreatedSeries = skipCreatedSeries
            self.typeAndUnitLabels = typeAndUnitLabels
            self.partial = partial
        }
    }

    /// One label as byte ranges of the input; `escaped` when the text holds a backslash to undo.
    struct LabelRange {
        var name: Range<Int>
        var nameEscaped: Bool
        var value: Range<Int>
        var valueEscaped: Bool
    }

    let bytes: [UInt8]
    package let format: ExpositionFormat
    let options: Options
    var position = 0
    var strict: Bool { format == .openMetrics }

    // Metadata of the family being read.
    /// The type from the most recent `# TYPE` (not reset by a family without one, as in Prometheus).
    package internal(set) var currentType: MetricType = .unknown
    var currentTypeName: [UInt8] = []
    var currentUnit: [UInt8] = []

    // The current entry.
    var entryStart = 0
    var metaName: Range<Int> = 0..<0
    var metaNameEscaped = false
    var metaText: Range<Int> = 0..<0
    var metaType: MetricType = .unknown
    var seriesRange: Range<Int> = 0..<0
    var nameRange: Range<Int>?
    var nameEscaped = false
    var labelRanges: [LabelRange] = []
    /// The sample value of the current series.
    package internal(set) var value: Double = 0
    /// The sample timestamp in milliseconds, when the line has one.
    package internal(set) var timestamp: Int64?
    var exemplarRanges: [LabelRange] = []
    var hasExemplar = false
    var exemplarValue: Double = 0
    var exemplarTimestamp: Int64?

    /// Whether the input's `# EOF` marker was read (OpenMetrics).
    package internal(set) var sawEOFMarker = false

    // OpenMetrics start-timestamp lookup (see TextParser+StartTimestamp.swift).
    var createdIndex: CreatedIndex?
    var startTimestampCache: (family: [UInt8], hash: UInt64, value: Int64)?

    package init(bytes: [UInt8], format: ExpositionFormat, options: Options = Options()) {
        self.bytes = bytes
        self.format = format
        self.options = options
    }

    package init(_ text: String, format: ExpositionFormat, options: Options = Options()) {
        self.init(bytes: Array(text.utf8), format: format, options: options)
    }

    /// Advances to the next entry. Returns nil at the end of a well-formed input.
    package mutating func next() throws(ExpositionError) -> ExpositionEntry? {
        while true {
            let entry: ExpositionEntry?
            do {
                entry = try nextEntry()
            } catch let error as ExpositionError {
                throw error
            } catch {
                preconditionFailure("parser threw \(error)")
            }
            guard let entry else { return nil }
            if entry == .series && strict && options.skipCreatedSeries && isCreatedSeries { continue }
            return entry
        }
    }

    /// Takes over the metadata state (current type and unit) of the parser that read the previous
    /// piece of the same exposition.
    package mutating func continueAfter(_ previous: TextParser) {
        currentType = previous.currentType
        currentTypeName = previous.currentTypeName
        currentUnit = previous.currentUnit
    }

    // MARK: - Accessors

    /// The metric name of a help, type or unit entry.
    package var metadataMetric: String { text(metaName, escaped: metaNameEscaped) }

    /// The help text of a help entry, unescaped.
    package var helpText: String {
        // Prometheus text undoes `\\` and `\n`; OpenMetrics also `\"`. Other escapes stay verbatim.
        unescape(metaText, quote: strict)
    }

    /// The type of a type entry.
    package var metadataType: MetricType { metaType }

    /// The unit of a unit entry.
    package var unitText: String { String(decoding: bytes[metaText], as: UTF8.self) }

    /// The whole line of a comment entry (Prometheus text only).
    var commentText: String { String(decoding: bytes[metaText], as: UTF8.self) }

    /// The series as written: name and label block, before the value.
    var seriesText: String { String(decoding: bytes[seriesRange], as: UTF8.self) }

    /// The raw bytes of the series, a stable cache key for one target's exposition.
    package var seriesBytes: ArraySlice<UInt8> { bytes[seriesRange] }

    /// The metric name of the current series, unescaped.
    package var metricName: String { nameRange.map { text($0, escaped: nameEscaped) } ?? "" }

    /// The label set of the current series, including `__name__`.
    package func labels() -> Labels {
        var pairs: [Label] = []
        pairs.reserveCapacity(labelRanges.count + 3)
        pairs.append(Label(LabelNames.metricName, metricName))
        for range in labelRanges {
            let name = text(range.name, escaped: range.nameEscaped)
            var value = text(range.value, escaped: range.valueEscaped)
            // Prometheus re-formats bucket bounds and quantiles as Go floats ("1" → "1.0"),
            // only under the matching current type.
            if (currentType == .histogram && name == LabelNames.bucket) || (currentType == .summary && name == LabelNames.quantile) {
                if case .success(let number) = GoFloat.parse(value) { value = GoFloat.formatOpenMetrics(number) }
            }
            pairs.append(Label(name, value))
        }
        if options.typeAndUnitLabels {
            if currentType != .unknown {
                pairs.removeAll { $0.name == "__type__" }
                pairs.append(Label("__type__", currentType.rawValue))
            }
            if !currentUnit.isEmpty {
                pairs.removeAll { $0.name == "__unit__" }
                pairs.append(Label("__unit__", String(decoding: currentUnit, as: UTF8.self)))
            }
        }
        return Labels(pairs)
    }

    /// The exemplar of the current series, if it has one.
    package func exemplar() -> Exemplar? {
        guard hasExemplar else { return nil }
        let pairs = exemplarRanges.map { Label(text($0.name, escaped: $0.nameEscaped), text($0.value, escaped: $0.valueEscaped)) }
        return Exemplar(labels: Labels(pairs).array, value: exemplarValue, timestamp: exemplarTimestamp)
    }

    // MARK: - Helpers

    func text(_ range: Range<Int>, escaped: Bool) -> String {
        escaped ? unescape(range, quote: true) : String(decoding: bytes[range], as: UTF8.self)
    }

    /// Undoes `\\`, `\n` and (with `quote`) `\"`; any other backslash sequence is kept as written.
    func unescape(_ range: Range<Int>, quote: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") && i + 1 < range.upperBound {
                let next = bytes[i + 1]
                if next == UInt8(ascii: "\\") { out.append(next); i += 2; continue }
                if next == UInt8(ascii: "n") { out.append(0x0a); i += 2; continue }
                if quote && next == UInt8(ascii: "\"") { out.append(next); i += 2; continue }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    var isCreatedSeries: Bool {
        guard currentType.carriesCreated, let nameRange else { return false }
        return bytes[nameRange].reversed().starts(with: "_created".utf8.reversed())
    }

    /// An error at the current position.
    func error(_ message: String) -> ExpositionError {
        error(message, at: position)
    }

    func error(_ message: String, at offset: Int) -> ExpositionError {
        var line = 1
        var lineStart = 0
        let end = min(offset, bytes.count)
        for i in 0..<end where bytes[i] == 0x0a {
            line += 1
            lineStart = i + 1
        }
        return ExpositionError(line: line, column: end - lineStart + 1, message: message)
    }

    /// A short quote of the input at `offset`, for "got …" in messages.
    func found(at offset: Int) -> String {
        if offset >= bytes.count { return "end of input" }
        let end = min(offset + 8, bytes.count)
        var piece = bytes[offset..<end]
        if let newline = piece.firstIndex(of: 0x0a) { piece = bytes[offset...newline] }
        return goQuoted(piece)
    }
}

/// Go's `%q` for a few bytes of input: printable ASCII as is, the rest escaped.
func goQuoted<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var out = "\""
    for b in bytes {
        switch b {
        case 0x0a: out += "\\n"
        case 0x09: out += "\\t"
        case 0x22: out += "\\\""
        case 0x5c: out += "\\\\"
        case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(b))
        default: out += "\\x" + b.hexadecimal(digits: 2)
        }
    }
    return out + "\""
}
