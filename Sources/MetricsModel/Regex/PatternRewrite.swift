/// Rewrites Go 1.22+'s `(?<name>…)` named groups to the `(?P<name>…)` form RE2 accepts.
///
/// Escapes, bracket classes (including `[]…]` and `[[:alpha:]]`) and `\Q…\E` quoting are skipped;
/// `(?<=` and `(?<!` are left for RE2 to reject as lookbehinds, as Go does.
func rewriteNamedGroups(_ pattern: String) -> String {
    let bytes = Array(pattern.utf8)
    guard bytes.count >= 3, pattern.contains("(?<") else { return pattern }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 4)
    var i = 0
    var inClass = false
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "\\") {
            // \Q…\E quotes everything up to \E (or the end).
            if !inClass, i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "Q") {
                var j = i + 2
                while j < bytes.count, !(bytes[j] == UInt8(ascii: "\\") && j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "E")) { j += 1 }
                let end = min(j + 2, bytes.count)
                out.append(contentsOf: bytes[i..<end])
                i = end
                continue
            }
            out.append(b)
            if i + 1 < bytes.count { out.append(bytes[i + 1]) }
            i += 2
            continue
        }
        if inClass {
            if b == UInt8(ascii: "[") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ":") {
                // [:alpha:] inside a class.
                if let close = findPosixClassEnd(bytes, from: i + 2) {
                    out.append(contentsOf: bytes[i...close])
                    i = close + 1
                    continue
                }
            }
            if b == UInt8(ascii: "]") { inClass = false }
            out.append(b)
            i += 1
            continue
        }
        if b == UInt8(ascii: "[") {
            inClass = true
            out.append(b)
            i += 1
            // A leading ] (after an optional ^) is a literal member, not the end.
            if i < bytes.count, bytes[i] == UInt8(ascii: "^") { out.append(bytes[i]); i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { out.append(bytes[i]); i += 1 }
            continue
        }
        if b == UInt8(ascii: "("), i + 3 < bytes.count, bytes[i + 1] == UInt8(ascii: "?"), bytes[i + 2] == UInt8(ascii: "<"),
           bytes[i + 3] != UInt8(ascii: "="), bytes[i + 3] != UInt8(ascii: "!")
        {
            out.append(contentsOf: "(?P<".utf8)
            i += 3
            continue
        }
        out.append(b)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

private func findPosixClassEnd(_ bytes: [UInt8], from start: Int) -> Int? {
    var j = start
    while j + 1 < bytes.count {
        if bytes[j] == UInt8(ascii: ":") && bytes[j + 1] == UInt8(ascii: "]") { return j + 1 }
        if bytes[j] == UInt8(ascii: "]") { return nil }
        j += 1
    }
    return nil
}
