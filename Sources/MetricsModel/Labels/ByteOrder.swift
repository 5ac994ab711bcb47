#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-wise (UTF-8) ordering of strings, the order Prometheus sorts label names and values in.
/// `String.<` compares by Unicode canonical equivalence and `utf8.lexicographicallyPrecedes`
/// walks an iterator; a memcmp over the contiguous storage is several times faster.
@inline(__always)
package func utf8Less(_ lhs: String, _ rhs: String) -> Bool {
    utf8Compare(lhs, rhs) < 0
}

/// Negative, zero or positive as `lhs` sorts before, equal to or after `rhs` byte-wise.
@inline(__always)
func utf8Compare(_ lhs: String, _ rhs: String) -> Int {
    if let result = lhs.utf8.withContiguousStorageIfAvailable({ a in
        rhs.utf8.withContiguousStorageIfAvailable { b -> Int in
            let common = min(a.count, b.count)
            if common > 0 {
                let c = memcmp(a.baseAddress!, b.baseAddress!, common)
                if c != 0 { return Int(c) }
            }
            return a.count - b.count
        }
    }), let result {
        return result
    }
    if lhs.utf8.lexicographicallyPrecedes(rhs.utf8) { return -1 }
    return lhs.utf8.elementsEqual(rhs.utf8) ? 0 : 1
}
