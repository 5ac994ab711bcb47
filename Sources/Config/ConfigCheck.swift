import Foundation
import Yams

/// One thing wrong in a configuration file, where it is and what it is.
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    package var source: String
    /// 1-based; nil when the YAML parser gave no position.
    package var line: Int?
    /// The key path, e.g. `scrape_configs[1].relabel_configs[0].regex`.
    package var key: String
    package var message: String

    package init(source: String, line: Int?, key: String, message: String) {
        self.source = source
        self.line = line
        self.key = key
        self.message = message
    }

    package var description: String {
        "\(source)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : key + ": ")\(message)"
    }
}

extension PrometheusConfig {
    /// Every problem `load(yaml:)` would refuse, not just the first: unknown keys anywhere, then each
    /// top-level section and each scrape config, alerting and remote-write entry decoded on its own,
    /// then (when all decode) the cross-field checks. Empty when the file loads.
    package static func problems(
        yaml: String, source: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [ConfigProblem] {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { return [] }
            root = node
        } catch {
            return [ConfigProblem(source: source, line: nil, key: "", message: YAMLErrorText.describe(error))]
        }
        var problems = ConfigKeys.unknown(in: root).map { found in
            ConfigProblem(source: source, line: found.line, key: found.path.isEmpty ? found.name : "\(found.path).\(found.name)",
                          message: "field \(found.name) not found in \(found.path.isEmpty ? "the configuration" : found.path)")
        }
        guard let mapping = root.mapping else {
            return [ConfigProblem(source: source, line: root.mark?.line, key: "", message: "the configuration must be a mapping")]
        }
        let decoder = YAMLDecoder()
        let userInfo: [CodingUserInfoKey: Any] = [.environment: environment]
        func check<T: Decodable>(_ type: T.Type, _ node: Node, key: String) {
            do {
                _ = try decoder.decode(type, from: node, userInfo: userInfo)
            } catch {
                problems.append(problem(error, in: node, key: key, source: source))
            }
        }
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            let items = value.sequence.map(Array.init) ?? []
            switch name {
            case "global": check(GlobalConfig.self, value, key: name)
            case "storage": check(StorageConfig.self, value, key: name)
            case "alerting": check(AlertingConfig.self, value, key: name)
            case "rule_files": check([String].self, value, key: name)
            case "scrape_configs":
                if value.sequence == nil { check([ScrapeConfig].self, value, key: name) }
                for (index, item) in items.enumerated() { check(ScrapeConfig.self, item, key: "\(name)[\(index)]") }
            case "remote_write":
                if value.sequence == nil { check([RemoteWriteConfig].self, value, key: name) }
                for (index, item) in items.enumerated() { check(RemoteWriteConfig.self, item, key: "\(name)[\(index)]") }
            case "remote_read":
                if value.sequence == nil { check([RemoteReadConfig].self, value, key: name) }
                for (index, item) in items.enumerated() { check(RemoteReadConfig.self, item, key: "\(name)[\(index)]") }
            default: break
            }
        }
        guard problems.isEmpty else { return problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) } }
        do {
            _ = try load(yaml: yaml, source: source, environment: environment)
        } catch {
            problems.append(crossFieldProblem(error, root: root, source: source))
        }
        return problems
    }

    /// A decoding error placed at the node its coding path leads to.
    private static func problem(_ error: any Error, in node: Node, key: String, source: String) -> ConfigProblem {
        guard let decoding = error as? DecodingError else {
            return ConfigProblem(source: source, line: node.mark?.line, key: key, message: "\(error)")
        }
        var (path, message) = describe(decoding)
        var target = node
        for component in path {
            guard let next = child(of: target, component) else { break }
            target = next
        }
        if case .keyNotFound = decoding, let missing = path.last, child(of: target, missing) == nil { path.removeLast() }
        let suffix = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        if message.isEmpty { message = "\(decoding)" }
        return ConfigProblem(source: source, line: target.mark?.line, key: key + suffix, message: message)
    }

    /// The innermost coding path and a message without the path in it.
    private static func describe(_ error: DecodingError) -> ([any CodingKey], String) {
        switch error {
        case .dataCorrupted(let context):
            // Our decoders' own errors arrive wrapped; the inner one has the full path.
            if let inner = context.underlyingError as? DecodingError { return describe(inner) }
            return (context.codingPath, context.underlyingError.map { "\($0)" } ?? context.debugDescription)
        case .keyNotFound(let key, let context): return (context.codingPath + [key], "missing field \(key.stringValue)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return (context.codingPath, context.debugDescription)
        @unknown default: return ([], "\(error)")
        }
    }

    private static func child(of node: Node, _ key: any CodingKey) -> Node? {
        if let index = key.intValue, let sequence = node.sequence { return index < sequence.count ? sequence[index] : nil }
        return node.mapping?.first { $0.key.string == key.stringValue }?.value
    }

    /// A cross-field error (duplicate job, timeout over interval, …), placed at the job it names.
    private static func crossFieldProblem(_ error: any Error, root: Node, source: String) -> ConfigProblem {
        let message = (error as? ConfigError)?.message ?? "\(error)"
        let jobs = root.mapping?.first { $0.key.string == "scrape_configs" }?.value.sequence.map(Array.init) ?? []
        if let range = message.range(of: #"job name "[^"]*""#, options: .regularExpression) {
            let name = String(message[range].dropFirst("job name \"".count).dropLast())
            if let index = jobs.lastIndex(where: { $0.mapping?.first { $0.key.string == "job_name" }?.value.string == name }) {
                return ConfigProblem(source: source, line: jobs[index].mark?.line, key: "scrape_configs[\(index)]", message: message)
            }
        }
        return ConfigProblem(source: source, line: nil, key: "", message: message)
    }
}
