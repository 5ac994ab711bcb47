/// Percent-encoding for URL query strings and form bodies: every byte but the unreserved ones
/// (RFC 3986: letters, digits, `-`, `_`, `.`, `~`) as `%XX`.
package enum PercentEncoding {
    package static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + byte.hexadecimal(digits: 2, uppercase: true)
            }
        }
        return out
    }
}
