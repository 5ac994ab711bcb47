import Foundation

/// A server's answer: the raw body (for `-o json`, which prints `data` as sent), the decoded
/// envelope, and its warnings and infos.
struct APIReply {
    let body: [UInt8]
    /// `data`, decoded; sample values stay strings as the API sends them.
    let data: Any
    let warnings: [String]
    let infos: [String]

    /// Decodes the envelope; an error envelope or a non-JSON answer becomes a `TSQFailure`.
    init(status: Int, body: [UInt8]) throws(TSQFailure) {
        self.body = body
        let envelope = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) as? [String: Any]
        guard let envelope, let state = envelope["status"] as? String else {
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw TSQFailure(.failed, "server answered HTTP \(status), not an API response" + (text.isEmpty ? "" : ": \(text)"))
        }
        guard state == "success" else {
            let kind = envelope["errorType"] as? String ?? "error"
            let message = envelope["error"] as? String ?? "HTTP \(status)"
            throw TSQFailure(.failed, "\(kind): \(message)")
        }
        data = envelope["data"] ?? NSNull()
        warnings = envelope["warnings"] as? [String] ?? []
        infos = envelope["infos"] as? [String] ?? []
    }

    /// The `data` member's bytes exactly as the server wrote them.
    var rawData: ArraySlice<UInt8> { JSONMember.raw("data", in: body) ?? Array("null".utf8)[...] }
}
