/// A warning or info a query returns beside its result, as Prometheus's annotations: something
/// about the input the user should know (an invalid quantile, a bucket without `le`, a metric that
/// may not be a counter) that does not fail the query.
package struct Annotation: Hashable, Sendable {
    package enum Kind: Sendable { case warning, info }

    package let kind: Kind
    /// The text after `PromQL warning: ` or `PromQL info: `.
    package let message: String
    /// Byte offset in the query of the expression it is about; nil when unknown.
    package let offset: Int?

    package init(_ kind: Kind, _ message: String, at offset: Int?) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    /// As Prometheus's API renders it: `PromQL warning: <message> (<line>:<column>)`, the position
    /// 1-based within `query`.
    package func text(in query: String?) -> String {
        let prefix = kind == .warning ? "PromQL warning: " : "PromQL info: "
        guard let query, let offset, let position = Self.position(of: offset, in: query) else { return prefix + message }
        return prefix + message + " (\(position))"
    }

    /// `line:column` of a byte offset, both 1-based, the column counted in bytes from the line's start.
    static func position(of offset: Int, in query: String) -> String? {
        let bytes = Array(query.utf8)
        guard offset >= 0, offset <= bytes.count else { return nil }
        let before = bytes[..<offset]
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let column = before.lastIndex(of: UInt8(ascii: "\n")).map { offset - $0 } ?? offset + 1
        return "\(line):\(column)"
    }
}
