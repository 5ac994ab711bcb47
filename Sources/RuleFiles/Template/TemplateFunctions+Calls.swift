import Foundation
import MetricsModel

extension TemplateFunctions {
    /// Calls `name` with `arguments` (a piped value comes last), as Go and Prometheus define it.
    static func call(_ name: String, _ arguments: [TemplateValue], context: TemplateContext) throws(TemplateRunError) -> TemplateValue {
        func argument(_ index: Int) throws(TemplateRunError) -> TemplateValue {
            guard index < arguments.count else { throw TemplateRunError("wrong number of args for \(name): want \(index + 1) got \(arguments.count)") }
            return arguments[index]
        }
        func expect(_ count: Int) throws(TemplateRunError) {
            guard arguments.count == count else { throw TemplateRunError("wrong number of args for \(name): want \(count) got \(arguments.count)") }
        }
        func sample(_ value: TemplateValue) throws(TemplateRunError) -> TemplateSample {
            guard case .sample(let sample) = value else { throw TemplateRunError("wrong type for value; expected *template.sample; got \(value.kindName)") }
            return sample
        }
        switch name {
        // Go's built-ins.
        case "and": return arguments.first { !$0.isTrue } ?? arguments.last ?? .null
        case "or": return arguments.first { $0.isTrue } ?? arguments.last ?? .null
        case "not": try expect(1); return .bool(!arguments[0].isTrue)
        case "len":
            try expect(1)
            switch arguments[0] {
            case .string(let text): return .int(text.utf8.count)
            case .list(let items): return .int(items.count)
            case .labels(let labels): return .int(labels.count)
            case .map(let map): return .int(map.count)
            default: throw TemplateRunError("len of type \(arguments[0].kindName)")
            }
        case "index":
            var value = try argument(0)
            for key in arguments.dropFirst() {
                switch (value, key) {
                case (.labels(let labels), .string(let text)): value = .string(labels[text] ?? "")
                case (.map(let map), .string(let text)): value = map[text] ?? .null
                case (.list(let items), .int(let position)):
                    guard items.indices.contains(position) else { throw TemplateRunError("error calling index: index out of range: \(position)") }
                    value = items[position]
                default: throw TemplateRunError("can't index item of type \(value.kindName)")
                }
            }
            return value
        case "print": return .string(sprint(arguments))
        case "println": return .string(arguments.map(\.printed).joined(separator: " ") + "\n")
        case "printf":
            let format = try argument(0).string(for: name)
            return .string(GoFormat.printf(format, Array(arguments.dropFirst())))
        case "html": return .string(htmlEscape(sprint(arguments)))
        case "js": return .string(jsEscape(sprint(arguments)))
        case "urlquery": return .string(PercentEncoding.encode(sprint(arguments)).replacingOccurrences(of: "%20", with: "+"))
        case "eq", "ne", "lt", "le", "gt", "ge": return .bool(try compare(name, arguments))
        case "slice", "call": throw TemplateRunError("\(name) is not supported in rule templates")

        // Prometheus's.
        case "query":
            try expect(1)
            let expression = try arguments[0].string(for: name)
            do {
                return .list(try context.query(expression).map { .sample($0) })
            } catch {
                throw TemplateRunError("\(error)")
            }
        case "first":
            try expect(1)
            guard case .list(let items) = arguments[0] else { throw TemplateRunError("wrong type for value; expected template.queryResult; got \(arguments[0].kindName)") }
            guard let first = items.first else { throw TemplateRunError("first() called on vector with no elements") }
            return first
        case "label":
            try expect(2)
            return .string(try sample(arguments[1]).labels[try arguments[0].string(for: name)] ?? "")
        case "value": try expect(1); return .float(try sample(arguments[0]).value)
        case "strvalue": try expect(1); return .string(try sample(arguments[0]).labels["__value__"] ?? "")
        case "args":
            var map: [String: TemplateValue] = [:]
            for (index, value) in arguments.enumerated() { map["arg\(index)"] = value }
            return .map(map)
        case "reReplaceAll":
            try expect(3)
            let regex = try compile(try arguments[0].string(for: name))
            return .string(replaceAll(regex, in: try arguments[2].string(for: name), with: try arguments[1].string(for: name)))
        case "match":
            try expect(2)
            let regex = try compile(try arguments[0].string(for: name))
            return .bool(regex.firstMatch(in: Array(try arguments[1].string(for: name).utf8), from: 0) != nil)
        case "safeHtml": try expect(1); return .string(try arguments[0].string(for: name))
        case "title": try expect(1); return .string(title(try arguments[0].string(for: name)))
        case "toUpper": try expect(1); return .string(try arguments[0].string(for: name).uppercased())
        case "toLower": try expect(1); return .string(try arguments[0].string(for: name).lowercased())
        case "graphLink", "tableLink":
            try expect(1)
            let tab = name == "graphLink" ? 0 : 1
            return .string("/graph?g0.expr=\(PercentEncoding.encode(try arguments[0].string(for: name)))&g0.tab=\(tab)")
        case "sortByLabel":
            try expect(2)
            let label = try arguments[0].string(for: name)
            guard case .list(let items) = arguments[1] else { throw TemplateRunError("wrong type for value; expected template.queryResult") }
            return .list(items.sorted { left, right in
                guard case .sample(let a) = left, case .sample(let b) = right else { return false }
                return (a.labels[label] ?? "") < (b.labels[label] ?? "")
            })
        case "humanize": try expect(1); return .string(Humanize.si(try arguments[0].number()))
        case "humanize1024": try expect(1); return .string(Humanize.binary(try arguments[0].number()))
        case "humanizeDuration": try expect(1); return .string(Humanize.duration(try arguments[0].number()))
        case "humanizePercentage": try expect(1); return .string(GoFormat.fourDigits(try arguments[0].number() * 100) + "%")
        case "humanizeTimestamp":
            try expect(1)
            let seconds = try arguments[0].number()
            guard seconds.isFinite else { return .string(GoFormat.fourDigits(seconds)) }
            return .string(GoTime.string(milliseconds: try timestamp(seconds)))
        case "toTime":
            try expect(1)
            let seconds = try arguments[0].number()
            guard seconds.isFinite else { throw TemplateRunError("value is NaN or Inf") }
            return .time(Double(try timestamp(seconds)) / 1000)
        case "toDuration":
            try expect(1)
            let seconds = try arguments[0].number()
            guard seconds.isFinite else { throw TemplateRunError("value is NaN or Inf") }
            // A Go `time.Duration` is int64 nanoseconds.
            guard abs(seconds * 1e9) < 9.2e18 else {
                throw TemplateRunError("\(GoFloat.formatG(seconds)) cannot be represented as a nanoseconds duration since it overflows int64")
            }
            return .duration(seconds)
        case "parseDuration":
            try expect(1)
            let text = try arguments[0].string(for: name)
            guard let duration = PromDuration(parsing: text) else { throw TemplateRunError("not a valid duration string: \"\(text)\"") }
            return .float(Double(duration.milliseconds) / 1000)
        case "pathPrefix":
            try expect(0)
            return .string(URL(string: context.externalURL)?.path ?? "")
        case "externalURL": try expect(0); return .string(context.externalURL)
        case "stripPort": try expect(1); return .string(HostPort.host(try arguments[0].string(for: name)))
        case "stripDomain": try expect(1); return .string(HostPort.stripDomain(try arguments[0].string(for: name)))
        case "now": try expect(0); return .float(Date().timeIntervalSince1970)
        default:
            throw TemplateRunError("function \"\(name)\" not defined")
        }
    }

    /// Unix seconds as Prometheus turns them into a time: nanoseconds, cut to milliseconds; refused
    /// where the nanoseconds overflow 64 bits.
    static func timestamp(_ seconds: Double) throws(TemplateRunError) -> Int64 {
        let nanoseconds = seconds * 1e9
        guard nanoseconds < 9.2e18, nanoseconds > -9.2e18 else {
            throw TemplateRunError("\(GoFloat.formatG(seconds)) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        return Int64(nanoseconds) / 1_000_000
    }

    /// `fmt.Sprint`: a space between operands when neither is a string.
    static func sprint(_ arguments: [TemplateValue]) -> String {
        var out = ""
        for (index, argument) in arguments.enumerated() {
            if index > 0 {
                if case .string = argument {} else if case .string = arguments[index - 1] {} else { out += " " }
            }
            out += argument.printed
        }
        return out
    }

    /// eq/ne/lt/le/gt/ge between values of one basic kind; `eq` is true if the first equals any other.
    static func compare(_ name: String, _ arguments: [TemplateValue]) throws(TemplateRunError) -> Bool {
        guard arguments.count >= 2 else { throw TemplateRunError("missing argument for comparison") }
        func order(_ a: TemplateValue, _ b: TemplateValue) throws(TemplateRunError) -> Int {
            switch (a, b) {
            case (.float(let x), .float(let y)): return x < y ? -1 : x > y ? 1 : 0
            case (.int(let x), .int(let y)): return x < y ? -1 : x > y ? 1 : 0
            case (.string(let x), .string(let y)): return x < y ? -1 : x > y ? 1 : 0
            case (.bool(let x), .bool(let y)) where name == "eq" || name == "ne": return x == y ? 0 : 1
            default: throw TemplateRunError("incompatible types for comparison")
            }
        }
        switch name {
        case "eq":
            for other in arguments.dropFirst() where try order(arguments[0], other) == 0 { return true }
            return false
        case "ne": return try order(arguments[0], arguments[1]) != 0
        case "lt": return try order(arguments[0], arguments[1]) < 0
        case "le": return try order(arguments[0], arguments[1]) <= 0
        case "gt": return try order(arguments[0], arguments[1]) > 0
        default: return try order(arguments[0], arguments[1]) >= 0
        }
    }

    static func compile(_ pattern: String) throws(TemplateRunError) -> RE2Regex {
        do {
            return try RE2Regex(pattern)
        } catch {
            throw TemplateRunError("\(error)")
        }
    }

    /// Go's `Regexp.ReplaceAllString`: every non-overlapping match replaced, `$1`/`${name}` expanded;
    /// an empty match right after a match is skipped.
    static func replaceAll(_ regex: RE2Regex, in text: String, with template: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var position = 0
        var lastMatchEnd = -1
        while position <= bytes.count, let offsets = regex.firstMatch(in: bytes, from: position) {
            let (start, end) = (Int(offsets[0]), Int(offsets[1]))
            if start == end && start == lastMatchEnd {
                // An empty match abutting the previous one: step over one character.
                guard start < bytes.count else { break }
                let step = UTF8Length.ofCharacter(startingWith: bytes[start])
                out += bytes[start..<min(bytes.count, start + step)]
                position = start + step
                continue
            }
            out += bytes[position..<start]
            out += Array(expand(template, regex: regex, bytes: bytes, offsets: offsets).utf8)
            lastMatchEnd = end
            if end == start {
                guard start < bytes.count else { position = bytes.count + 1; break }
                let step = UTF8Length.ofCharacter(startingWith: bytes[start])
                out += bytes[start..<min(bytes.count, start + step)]
                position = start + step
            } else {
                position = end
            }
        }
        if position < bytes.count { out += bytes[position...] }
        return String(decoding: out, as: UTF8.self)
    }

    /// `$1`, `${1}`, `$name`, `${name}` and `$$` in `template`, as Go's `Regexp.Expand`.
    static func expand(_ template: String, regex: RE2Regex, bytes: [UInt8], offsets: [Int64]) -> String {
        func group(_ reference: String) -> String {
            let index = Int(reference) ?? regex.groupIndex(named: reference)
            guard let index, index <= regex.groupCount, offsets[2 * index] >= 0 else { return "" }
            return String(decoding: bytes[Int(offsets[2 * index])..<Int(offsets[2 * index + 1])], as: UTF8.self)
        }
        var out = ""
        var characters = Array(template)[...]
        while let character = characters.popFirst() {
            guard character == "$", let next = characters.first else { out.append(character); continue }
            if next == "$" { characters.removeFirst(); out.append("$"); continue }
            if next == "{" {
                guard let close = characters.firstIndex(of: "}") else { out.append("$"); continue }
                out += group(String(characters[characters.index(after: characters.startIndex)..<close]))
                characters = characters[characters.index(after: close)...]
                continue
            }
            var name = ""
            while let letter = characters.first, letter == "_" || letter.isLetter || letter.isNumber { name.append(letter); characters.removeFirst() }
            if name.isEmpty { out.append("$") } else { out += group(name) }
        }
        return out
    }

    /// `strings.Title`: the first letter of each word upper-cased.
    static func title(_ text: String) -> String {
        var out = ""
        var atWordStart = true
        for character in text {
            out += atWordStart ? character.uppercased() : String(character)
            atWordStart = !(character.isLetter || character.isNumber || character == "_" || character == "'")
        }
        return out
    }

    static func htmlEscape(_ text: String) -> String {
        text.escaped(["<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", "\"": "&#34;"])
    }

    static func jsEscape(_ text: String) -> String {
        text.escaped([
            "\\": "\\\\", "'": "\\'", "\"": "\\\"", "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D", "\n": "\\n",
        ])
    }
}

enum UTF8Length {
    /// Bytes in the UTF-8 sequence that starts with `byte` (1 for a stray continuation byte).
    static func ofCharacter(startingWith byte: UInt8) -> Int {
        byte < 0xC0 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
    }
}

/// `net.SplitHostPort` as `stripPort` and `stripDomain` use it.
enum HostPort {
    /// The host of `host:port` (brackets of an IPv6 address removed), or the input when it has no port.
    static func host(_ text: String) -> String {
        split(text)?.host ?? text
    }

    static func split(_ text: String) -> (host: String, port: String)? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            return (host, String(rest.dropFirst()))
        }
        guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// The host without its domain (`db-1.example.com:5432` → `db-1:5432`); IP addresses unchanged.
    static func stripDomain(_ text: String) -> String {
        let (host, port) = split(text) ?? (text, "")
        if host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) { return text }
        let short = host.split(separator: ".", maxSplits: 1).first.map(String.init) ?? host
        return port.isEmpty ? short : short + ":" + port
    }
}

/// Prometheus's humanize functions.
enum Humanize {
    /// SI prefixes: `1.235k`, `12.5m`.
    static func si(_ value: Double) -> String {
        if value == 0 || !value.isFinite { return GoFormat.fourDigits(value) }
        var scaled = value
        var prefix = ""
        if abs(scaled) >= 1 {
            for candidate in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(scaled) < 1000 { break }
                prefix = candidate
                scaled /= 1000
            }
        } else {
            for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
                if abs(scaled) >= 1 { break }
                prefix = candidate
                scaled *= 1000
            }
        }
        return GoFormat.fourDigits(scaled) + prefix
    }

    /// Binary prefixes: `1ki`, `1.5Mi`.
    static func binary(_ value: Double) -> String {
        if abs(value) <= 1 || !value.isFinite { return GoFormat.fourDigits(value) }
        var scaled = value
        var prefix = ""
        for candidate in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(scaled) < 1024 { break }
            prefix = candidate
            scaled /= 1024
        }
        return GoFormat.fourDigits(scaled) + prefix
    }

    /// `1d 2h 3m 4s`, `1.5s`, `250ms`.
    static func duration(_ seconds: Double) -> String {
        if !seconds.isFinite { return GoFormat.fourDigits(seconds) }
        if seconds == 0 { return GoFormat.fourDigits(seconds) + "s" }
        if abs(seconds) >= 1 {
            let sign = seconds < 0 ? "-" : ""
            // Go's int64(v) on amd64: a value past the range becomes math.MinInt64, so Prometheus
            // prints `-106751991167300d -15h -30m -8s` for it (promtool 2.42 does), and so do we.
            let whole = abs(seconds) < Double(Int64.max) ? Int64(abs(seconds)) : Int64.min
            let (days, hours, minutes, rest) = (whole / 86400, whole / 3600 % 24, whole / 60 % 60, whole % 60)
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(rest)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(rest)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(rest)s" }
            return sign + GoFormat.fourDigits(abs(seconds)) + "s"
        }
        var scaled = seconds
        var prefix = ""
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(scaled) >= 1 { break }
            prefix = candidate
            scaled *= 1000
        }
        return GoFormat.fourDigits(scaled) + prefix + "s"
    }
}
