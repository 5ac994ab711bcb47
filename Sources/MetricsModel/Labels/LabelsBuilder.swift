/// A mutable, always-sorted working copy of a label set, for relabeling and ingest.
///
/// Pairs stay sorted by name, so `labels()` needs no sort and lookups are binary searches;
/// label sets are small (tens of pairs), where this beats hashing.
package struct LabelsBuilder: Sendable {
    private var pairs: [Label]

    package init(_ base: Labels = .empty) {
        pairs = base.array
    }

    /// Replaces the whole content with `base`, keeping the buffer.
    package mutating func reset(_ base: Labels) {
        pairs.removeAll(keepingCapacity: true)
        pairs.append(contentsOf: base)
    }

    /// The current value of `name`, or "" when absent.
    package func get(_ name: String) -> String {
        switch search(name) {
        case .found(let index): return pairs[index].value
        case .insertAt: return ""
        }
    }

    /// Whether `name` is present.
    package func has(_ name: String) -> Bool {
        if case .found = search(name) { return true }
        return false
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    package mutating func set(_ name: String, _ value: String) {
        if value.isEmpty {
            delete(name)
            return
        }
        switch search(name) {
        case .found(let index): pairs[index].value = value
        case .insertAt(let index): pairs.insert(Label(name, value), at: index)
        }
    }

    /// Removes `name` if present.
    package mutating func delete(_ name: String) {
        if case .found(let index) = search(name) { pairs.remove(at: index) }
    }

    /// Removes every label for which `shouldRemove` is true.
    package mutating func removeAll(where shouldRemove: (Label) throws -> Bool) rethrows {
        try pairs.removeAll(where: shouldRemove)
    }

    /// Calls `body` with each current pair, in name order.
    func forEach(_ body: (Label) throws -> Void) rethrows {
        try pairs.forEach(body)
    }

    /// The current pairs, sorted by name.
    package var current: [Label] { pairs }

    /// The label set as it stands now.
    package func labels() -> Labels { Labels(sortedUnique: pairs) }

    private enum Position { case found(Int), insertAt(Int) }

    private func search(_ name: String) -> Position {
        var low = 0
        var high = pairs.count
        while low < high {
            let mid = (low + high) / 2
            let order = utf8Compare(pairs[mid].name, name)
            if order == 0 { return .found(mid) }
            if order < 0 { low = mid + 1 } else { high = mid }
        }
        return .insertAt(low)
    }
}
