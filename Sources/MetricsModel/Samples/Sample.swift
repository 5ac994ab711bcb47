/// Milliseconds since the Unix epoch, the unit of every timestamp in the store and the API.
package typealias Timestamp = Int64

/// One float sample.
package struct Sample: Sendable, Equatable {
    package var timestamp: Timestamp
    package var value: Double

    /// Inlinable: decoders in other modules build one per sample, and only `@inlinable` crosses modules.
    @inlinable package init(timestamp: Int64, value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    /// Bit-exact equality, so NaN payloads (and the stale marker) compare as stored.
    package static func == (lhs: Sample, rhs: Sample) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

extension Sample {
    /// Merges two time-sorted runs of one series; on equal timestamps the first run wins.
    package static func merge(_ a: [Sample], _ b: [Sample]) -> [Sample] {
        var out: [Sample] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i].timestamp <= b[j].timestamp) {
                if j < b.count && i < a.count && a[i].timestamp == b[j].timestamp { j += 1 }
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }
}

/// The special float values Prometheus gives a meaning.
package enum StaleMarker {
    /// The bit pattern of the NaN Prometheus writes when a series goes stale.
    package static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002
    /// The stale-marker NaN itself.
    package static let value = Double(bitPattern: bitPattern)

    /// Whether `value` is exactly the stale marker (any other NaN is an ordinary value). Inlinable:
    /// it runs once per sample read, in other modules, and only `@inlinable` crosses modules.
    @inlinable package static func isStale(_ value: Double) -> Bool {
        value.bitPattern == bitPattern
    }

    /// The NaN Go's `math.NaN()` returns, which ordinary NaN samples carry.
    package static let normalNaN = Double(bitPattern: 0x7ff8_0000_0000_0001)
}

extension Timestamp {
    /// Converts seconds (float, as OpenMetrics and the API write them) to milliseconds, rounding to nearest.
    package static func fromSeconds(_ seconds: Double) -> Timestamp {
        Timestamp((seconds * 1000).rounded())
    }
}
