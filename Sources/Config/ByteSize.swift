import Foundation

/// A size as Prometheus's configuration writes one (`<size>`, e.g. `body_size_limit: 10MB`): a
/// whole number with a unit in powers of 1024 (`B`, `KB` or `KiB`, `MB` or `MiB`, … `EB` or
/// `EiB`); a bare whole number is bytes.
package enum ByteSize {
    static let units: [(suffixes: [String], power: Int)] = [
        (["EiB", "EB"], 6), (["PiB", "PB"], 5), (["TiB", "TB"], 4), (["GiB", "GB"], 3), (["MiB", "MB"], 2), (["KiB", "KB"], 1), (["B"], 0),
    ]

    /// The bytes `text` names, or nil when it is not a size (or does not fit in an Int).
    package static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Int(trimmed), plain >= 0 { return plain }
        for (suffixes, power) in units {
            guard let suffix = suffixes.first(where: { trimmed.hasSuffix($0) }) else { continue }
            guard let number = Int(trimmed.dropLast(suffix.count)), number >= 0 else { return nil }
            var bytes = number
            for _ in 0..<power {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: 1024)
                if overflow { return nil }
                bytes = product
            }
            return bytes
        }
        return nil
    }

    /// Decodes a size field written as a number or a string with a unit.
    static func decode<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Int? {
        if let number = try? container.decodeIfPresent(Int.self, forKey: key) {
            guard number >= 0 else { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "a size cannot be negative") }
            return number
        }
        guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let bytes = parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "invalid size \"\(text)\" (a whole number with a unit: B, KB, MB, GB, TB, PB, EB, or KiB, MiB, …)")
        }
        return bytes
    }
}
