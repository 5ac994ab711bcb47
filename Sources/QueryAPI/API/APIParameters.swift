import Foundation
import Hummingbird
import MetricsModel
import PromQL

/// Request parameters read as Go's `r.FormValue` does: the URL query and, for form-encoded
/// POST bodies, the body, where the body's value wins.
struct APIParameters: Sendable {
    private var values: [String: [String]] = [:]

    static func read(_ request: Request, maxBodyBytes: Int = 16 << 20) async throws -> APIParameters {
        var parameters = APIParameters()
        if let query = request.uri.query { parameters.merge(Self.decodeForm(query)) }
        let isForm = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        if request.method == .post || request.method == .put, isForm {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch {
                throw APIError.bodyTooLarge(limit: maxBodyBytes)
            }
            parameters.merge(Self.decodeForm(String(buffer: body)), bodyWins: true)
        }
        return parameters
    }

    private mutating func merge(_ other: [String: [String]], bodyWins: Bool = false) {
        for (key, list) in other {
            if bodyWins { values[key] = list + (key.hasSuffix("[]") ? (values[key] ?? []) : []) } else { values[key, default: []] += list }
        }
    }

    func first(_ name: String) -> String? { values[name]?.first }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// `application/x-www-form-urlencoded`: `+` is a space, `%XX` a byte.
    static func decodeForm(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(parts[0])
            let value = parts.count > 1 ? percentDecode(parts[1]) : ""
            out[key, default: []].append(value)
        }
        return out
    }

    private static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Typed parameters

    /// Milliseconds: Unix seconds (float, fraction rounded to ms) or RFC 3339; `fallback` when absent.
    func time(_ name: String, default fallback: Int64) throws(APIError) -> Int64 {
        guard let text = first(name), !text.isEmpty else { return fallback }
        if let milliseconds = Self.parseTime(text) { return milliseconds }
        throw APIError(.badData, "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
    }

    static let minTime = Int64.min / 2
    static let maxTime = Int64.max / 2

    static func parseTime(_ text: String) -> Int64? {
        if case .success(let seconds) = GoFloat.parse(text), seconds.isFinite {
            let whole = seconds.rounded(.down)
            let milliseconds = whole * 1000 + ((seconds - whole) * 1000).rounded()
            guard abs(milliseconds) < 9.2e18 else { return nil }
            return Int64(milliseconds)
        }
        if text == "-292273086-05-16T16:47:06Z" { return minTime }
        if text == "292277025-08-18T07:12:54.999999999Z" { return maxTime }
        return RFC3339.milliseconds(parsing: text)
    }

    /// `limit`: an integer; 0 or a negative one means none, as Prometheus takes it.
    func limit() throws(APIError) -> Int {
        guard let text = first("limit"), !text.isEmpty else { return 0 }
        guard let value = Int(text) else { throw APIError(.badData, "invalid parameter \"limit\": cannot parse \"\(text)\" to a valid limit") }
        return max(value, 0)
    }

    /// Each `match[]` as a series selector's matchers.
    func selectors() throws(APIError) -> [[Matcher]] {
        try all("match[]").map { text throws(APIError) -> [Matcher] in
            let expr: Expr
            do {
                expr = try Parser.parse(text)
            } catch {
                throw APIError(.badData, "invalid parameter \"match[]\": \(error)")
            }
            guard case .vector(let selector) = expr, selector.modifiers == Modifiers() else {
                throw APIError(.badData, "invalid parameter \"match[]\": 1:1: parse error: expected vector selector")
            }
            return selector.allMatchers
        }
    }
}
