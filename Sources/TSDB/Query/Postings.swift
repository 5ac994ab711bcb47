/// Sorted lists of series ids (a block's 32-bit ids, the head's references) and the set operations
/// queries need. Lists are sorted ascending
/// without duplicates.
enum Postings {
    /// Elements in both; gallops through the longer list when sizes differ a lot.
    static func intersect<ID: BinaryInteger>(_ a: [ID], _ b: [ID]) -> [ID] {
        if a.isEmpty || b.isEmpty { return [] }
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var out: [ID] = []
        out.reserveCapacity(small.count)
        if large.count / max(small.count, 1) > 16 {
            var low = 0
            for value in small {
                // Exponential then binary search from the last position.
                var step = 1
                var high = low
                while high < large.count && large[high] < value { low = high; high += step; step *= 2 }
                high = min(high, large.count)
                var l = low, h = high
                while l < h {
                    let mid = (l + h) / 2
                    if large[mid] < value { l = mid + 1 } else { h = mid }
                }
                low = l
                if low < large.count && large[low] == value { out.append(value) }
            }
            return out
        }
        var i = 0, j = 0
        while i < small.count && j < large.count {
            if small[i] == large[j] { out.append(small[i]); i += 1; j += 1 }
            else if small[i] < large[j] { i += 1 }
            else { j += 1 }
        }
        return out
    }

    /// Elements in `a` and not in `b`.
    static func subtract<ID: BinaryInteger>(_ a: [ID], _ b: [ID]) -> [ID] {
        if b.isEmpty { return a }
        var out: [ID] = []
        out.reserveCapacity(a.count)
        var j = 0
        for value in a {
            while j < b.count && b[j] < value { j += 1 }
            if j < b.count && b[j] == value { continue }
            out.append(value)
        }
        return out
    }

    /// Elements in any of the lists, merged pairwise.
    static func union<ID: BinaryInteger>(_ lists: [[ID]]) -> [ID] {
        var lists = lists.filter { !$0.isEmpty }
        if lists.isEmpty { return [] }
        while lists.count > 1 {
            var next: [[ID]] = []
            for index in stride(from: 0, to: lists.count, by: 2) {
                next.append(index + 1 < lists.count ? merge(lists[index], lists[index + 1]) : lists[index])
            }
            lists = next
        }
        return lists[0]
    }

    static func merge<ID: BinaryInteger>(_ a: [ID], _ b: [ID]) -> [ID] {
        var out: [ID] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i] < b[j]) { out.append(a[i]); i += 1 }
            else if i >= a.count || b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }
}
