extension BinaryInteger {
    /// The value in hexadecimal, zero-padded to at least `digits` digits (`%` and `\x` escapes,
    /// digests, snapshot names).
    package func hexadecimal(digits: Int, uppercase: Bool = false) -> String {
        let text = String(self, radix: 16, uppercase: uppercase)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }
}
