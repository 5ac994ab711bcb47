extension String {
    /// The text with each character found in `replacements` replaced by its entry (quoting for label
    /// values, HTML, JavaScript).
    package func escaped(_ replacements: [Character: String]) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            if let replacement = replacements[character] { out += replacement } else { out.append(character) }
        }
        return out
    }
}
