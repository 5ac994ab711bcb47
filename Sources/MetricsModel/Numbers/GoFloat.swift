#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float parsing and formatting with Go's `strconv` semantics, which Prometheus's formats and API follow.
package enum GoFloat {
    /// Why a float did not parse.
    package enum ParseError: Error, Equatable {
        /// `p`, `P` or `_`: hex floats and digit separators, which Prometheus refuses.
        case unsupportedCharacter
        /// Not a float at all.
        case invalidSyntax
        /// Too large for a Double.
        case outOfRange
    }

    /// Parses decimal floats and `Inf`/`Infinity`/`NaN` (any case, optional sign) over raw bytes.
    /// Hex floats and `_` are refused, as Prometheus's text parsers refuse them.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Double, ParseError> {
        let count = bytes.count
        if count == 0 { return .failure(.invalidSyntax) }
        var i = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        // Fast path: up to 19 digits, an optional fraction and exponent, exact when the mantissa fits
        // in 53 bits and the power of ten is exactly representable (Clinger's fast path).
        var mantissa: UInt64 = 0
        var digits = 0
        var sawDigit = false
        var fractionDigits = 0
        var sawDot = false
        var exponent = 0
        var j = i
        while j < count {
            let b = bytes[j]
            if b >= 0x30 && b <= 0x39 {
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(b - 0x30)
                    if mantissa != 0 { digits += 1 }
                    if sawDot { fractionDigits += 1 }
                } else {
                    if !sawDot { exponent += 1 }
                    digits += 1
                }
            } else if b == UInt8(ascii: ".") && !sawDot {
                sawDot = true
            } else {
                break
            }
            j += 1
        }
        if sawDigit {
            if j < count && (bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E")) {
                j += 1
                var expNegative = false
                if j < count && (bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-")) {
                    expNegative = bytes[j] == UInt8(ascii: "-")
                    j += 1
                }
                var expValue = 0
                var expDigits = 0
                while j < count, bytes[j] >= 0x30 && bytes[j] <= 0x39 {
                    if expValue < 100_000 { expValue = expValue * 10 + Int(bytes[j] - 0x30) }
                    expDigits += 1
                    j += 1
                }
                if expDigits == 0 { return failure(bytes) }
                exponent += expNegative ? -expValue : expValue
            }
            if j != count { return failure(bytes) }
            let power = exponent - fractionDigits
            if digits <= 19 && mantissa < (1 << 53) && power >= -22 && power <= 22 {
                var value = Double(mantissa)
                value = power < 0 ? value / powersOfTen[-power] : value * powersOfTen[power]
                return .success(negative ? -value : value)
            }
            return slowParse(bytes)
        }
        // Inf, Infinity, NaN in any case.
        let word = bytes[i...]
        if equalsIgnoringCase(word, "inf") || equalsIgnoringCase(word, "infinity") {
            return .success(negative ? -.infinity : .infinity)
        }
        if equalsIgnoringCase(word, "nan") { return .success(.nan) }
        return failure(bytes)
    }

    /// Parses a Swift string with the same rules.
    package static func parse(_ text: String) -> Result<Double, ParseError> {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    private static func failure(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Double, ParseError> {
        for b in bytes where b == UInt8(ascii: "p") || b == UInt8(ascii: "P") || b == UInt8(ascii: "_") {
            return .failure(.unsupportedCharacter)
        }
        return .failure(.invalidSyntax)
    }

    /// Correctly rounded conversion for the long or extreme cases, through the C library.
    private static func slowParse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Double, ParseError> {
        // The bytes were validated as decimal syntax above, so strtod reads all of them.
        let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            for index in 0..<bytes.count { buffer[index] = CChar(bitPattern: bytes[index]) }
            buffer[bytes.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        if value.isInfinite { return .failure(.outOfRange) }
        return .success(value)
    }

    private static func equalsIgnoringCase(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        var index = bytes.startIndex
        for i in 0..<word.utf8CodeUnitCount {
            if bytes[index] | 0x20 != word.utf8Start[i] { return false }
            index += 1
        }
        return true
    }
}
