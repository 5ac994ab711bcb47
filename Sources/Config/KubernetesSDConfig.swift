import Foundation

/// One `kubernetes_sd_configs:` entry. ToolboxMetrics discovers the `pod` and `node` roles.
package struct KubernetesSDConfig: Sendable, Equatable, Decodable {
    package enum Role: String, Sendable, Equatable, Decodable {
        case pod, node
    }

    package struct Namespaces: Sendable, Equatable, Decodable {
        package var ownNamespace = false
        package var names: [String] = []
        enum CodingKeys: String, CodingKey, CaseIterable {
            case ownNamespace = "own_namespace"
            case names
        }
        package init(ownNamespace: Bool = false, names: [String] = []) {
            self.ownNamespace = ownNamespace
            self.names = names
        }
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            ownNamespace = try container.decodeIfPresent(Bool.self, forKey: .ownNamespace) ?? false
            names = try container.decodeIfPresent([String].self, forKey: .names) ?? []
        }
    }

    /// A server-side filter for one role's list and watch requests.
    package struct Selector: Sendable, Equatable, Decodable {
        package var role: Role
        package var label: String
        package var field: String
        package init(role: Role, label: String = "", field: String = "") {
            self.role = role
            self.label = label
            self.field = field
        }
        enum CodingKeys: String, CodingKey, CaseIterable { case role, label, field }
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let roleText = try container.decode(String.self, forKey: .role)
            guard let role = Role(rawValue: roleText) else {
                throw DecodingError.dataCorruptedError(forKey: .role, in: container, debugDescription: "invalid selector role \"\(roleText)\"")
            }
            self.role = role
            // `$(NAME)` / `${NAME}` come from the environment, so a DaemonSet can select its own node.
            let environment = decoder.userInfo[.environment] as? [String: String] ?? ProcessInfo.processInfo.environment
            label = try EnvironmentExpansion.expand(container.decodeIfPresent(String.self, forKey: .label) ?? "", environment: environment)
            field = try EnvironmentExpansion.expand(container.decodeIfPresent(String.self, forKey: .field) ?? "", environment: environment)
            do {
                _ = try LabelSelector(parsing: label)
                _ = try FieldSelector(parsing: field)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .label, in: container, debugDescription: "\(error)")
            }
        }
    }

    package struct AttachMetadata: Sendable, Equatable, Decodable {
        package var node = false
        package var namespace = false
        package var deployment = false
        package var job = false
        package var cronjob = false
        package init() {}
        enum CodingKeys: String, CodingKey, CaseIterable { case node, namespace, deployment, job, cronjob }
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            node = try container.decodeIfPresent(Bool.self, forKey: .node) ?? false
            namespace = try container.decodeIfPresent(Bool.self, forKey: .namespace) ?? false
            deployment = try container.decodeIfPresent(Bool.self, forKey: .deployment) ?? false
            job = try container.decodeIfPresent(Bool.self, forKey: .job) ?? false
            cronjob = try container.decodeIfPresent(Bool.self, forKey: .cronjob) ?? false
        }
    }

    package var role: Role
    /// Explicit API server URL; nil means the in-cluster configuration.
    package var apiServer: String?
    package var namespaces = Namespaces()
    package var selectors: [Selector] = []
    package var attachMetadata = AttachMetadata()
    package var http = HTTPClientConfig()

    package init(role: Role) {
        self.role = role
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case role
        case apiServer = "api_server"
        case kubeconfigFile = "kubeconfig_file"
        case namespaces, selectors
        case attachMetadata = "attach_metadata"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let roleText = try container.decode(String.self, forKey: .role)
        guard let role = Role(rawValue: roleText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .role, in: container,
                debugDescription: "role \"\(roleText)\" is not supported by ToolboxMetrics (supported: pod, node)")
        }
        self.role = role
        if container.contains(.kubeconfigFile) {
            throw DecodingError.dataCorruptedError(
                forKey: .kubeconfigFile, in: container, debugDescription: "kubeconfig_file is not supported; use api_server with bearer_token_file and tls_config")
        }
        apiServer = try container.decodeIfPresent(String.self, forKey: .apiServer)
        if let apiServer {
            guard let url = URL(string: apiServer), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw DecodingError.dataCorruptedError(forKey: .apiServer, in: container, debugDescription: "invalid api_server URL \"\(apiServer)\"")
            }
        }
        namespaces = try container.decodeIfPresent(Namespaces.self, forKey: .namespaces) ?? Namespaces()
        selectors = try container.decodeIfPresent([Selector].self, forKey: .selectors) ?? []
        attachMetadata = try container.decodeIfPresent(AttachMetadata.self, forKey: .attachMetadata) ?? AttachMetadata()
        http = try HTTPClientConfig(from: decoder)
        if apiServer == nil && http != HTTPClientConfig() {
            throw DecodingError.dataCorruptedError(
                forKey: .apiServer, in: container, debugDescription: "to use custom HTTP client configuration please provide the 'api_server' URL explicitly")
        }
        if apiServer != nil && namespaces.ownNamespace {
            throw DecodingError.dataCorruptedError(
                forKey: .namespaces, in: container, debugDescription: "cannot use 'own_namespace' with an explicit 'api_server'")
        }
        var seenRoles = Set<String>()
        for selector in selectors {
            guard seenRoles.insert(selector.role.rawValue).inserted else {
                throw DecodingError.dataCorruptedError(forKey: .selectors, in: container, debugDescription: "duplicated selector role: \(selector.role.rawValue)")
            }
            if role == .node && selector.role != .node {
                throw DecodingError.dataCorruptedError(
                    forKey: .selectors, in: container, debugDescription: "node role supports only node selectors")
            }
        }
    }

    /// The selector for `role`'s requests, if configured.
    package func selector(for role: Role) -> Selector? { selectors.first { $0.role == role } }
}

/// Replaces `$(NAME)` and `${NAME}` with environment variables; an unset one fails the load.
enum EnvironmentExpansion {
    struct UnsetVariable: Error, CustomStringConvertible {
        let name: String
        var description: String { "environment variable \(name) is not set" }
    }

    static func expand(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest.index(after: dollar)
            guard after < rest.endIndex, rest[after] == "(" || rest[after] == "{" else {
                out += "$"
                rest = rest[after...]
                continue
            }
            let close: Character = rest[after] == "(" ? ")" : "}"
            guard let end = rest[after...].firstIndex(of: close) else {
                out += rest[dollar...]
                rest = rest[rest.endIndex...]
                break
            }
            let name = String(rest[rest.index(after: after)..<end])
            guard let value = environment[name] else { throw UnsetVariable(name: name) }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
