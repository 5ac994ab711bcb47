#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Millisecond timestamps as every layer uses them, and arithmetic on them that cannot trap.
///
/// Timestamps reach the store from scrapes, remote write, imports and query parameters, so any of
/// them may be `Int64.min`, `Int64.max` or anything between. Sums and products of such values
/// saturate at the ends of `Int64` instead of trapping; conversions from `Double` go through
/// `init?(exactly:)`-style checks instead of `Int64(_:)`, which traps out of range.
package enum Timestamps {
    /// The wall clock in milliseconds since the epoch, rounded down.
    /// Unix seconds with exactly three decimals (`1796000000.000`, `-1.500`), as the API and PromQL's
    /// `@` take them.
    package static func secondsText(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds.magnitude % 1000)
        return (milliseconds < 0 ? "-" : "") + "\(milliseconds.magnitude / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    package static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// `seconds` (a float, as the API and PromQL take time) in milliseconds, rounded to nearest;
    /// nil when it is NaN or lies outside what `Int64` milliseconds can hold.
    package static func milliseconds(fromSeconds seconds: Double) -> Int64? {
        let milliseconds = (seconds * 1000).rounded()
        // 2^63 is exactly representable; anything at or beyond it (or NaN) does not fit.
        guard milliseconds.isFinite, milliseconds > -9.223372036854775808e18, milliseconds < 9.223372036854775808e18 else {
            return nil
        }
        return Int64(milliseconds)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity. `divisor` must be positive.
    package func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && self < 0) ? quotient - 1 : quotient
    }

    /// `self + other`, clamped to `Int64.min...Int64.max`.
    package func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? Int64.max : Int64.min
    }

    /// `self - other`, clamped to `Int64.min...Int64.max`.
    package func saturatingSubtract(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other < 0 ? Int64.max : Int64.min
    }

    /// `self * other`, clamped to `Int64.min...Int64.max`.
    func saturatingMultiply(_ other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? Int64.max : Int64.min
    }

    /// The start of the `range`-aligned window holding `self` (`range` positive).
    package func windowStart(_ range: Int64) -> Int64 {
        floorDivided(by: range).saturatingMultiply(range)
    }

    /// The end (exclusive) of the `range`-aligned window holding `self`, `Int64.max` when that end
    /// does not fit.
    package func windowEnd(_ range: Int64) -> Int64 {
        windowStart(range).saturatingAdd(range)
    }
}

extension Duration {
    /// The duration in seconds, as a float (for rates, self-metrics and logs).
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
