/// The fields of Kubernetes API objects that discovery reads, decoded from the API's JSON.
/// Unknown fields are ignored; absent ones take Go's zero values, as client-go's structs would.
enum Kubernetes {
    struct ObjectMeta: Decodable, Sendable, Equatable {
        var name: String
        var namespace: String?
        var uid: String?
        var resourceVersion: String?
        var labels: [String: String]?
        var annotations: [String: String]?
        var ownerReferences: [OwnerReference]?

        /// The owner marked `controller: true`, as client-go's `GetControllerOf`.
        var controller: OwnerReference? { ownerReferences?.first { $0.controller == true } }
        /// `namespace/name`, or `name` for cluster-scoped objects: client-go's store key.
        var key: String { namespace.map { "\($0)/\(name)" } ?? name }
    }

    struct OwnerReference: Decodable, Sendable, Equatable {
        var kind: String?
        var name: String?
        var uid: String?
        var controller: Bool?
    }

    /// Any object whose metadata is all discovery needs (namespaces, ReplicaSets, Jobs).
    struct Object: Decodable, Sendable, Equatable {
        var metadata: ObjectMeta
    }

    struct Pod: Decodable, Sendable, Equatable {
        var metadata: ObjectMeta
        var spec: PodSpec?
        var status: PodStatus?
    }

    struct PodSpec: Decodable, Sendable, Equatable {
        var nodeName: String?
        var containers: [Container]?
        var initContainers: [Container]?
    }

    struct Container: Decodable, Sendable, Equatable {
        var name: String
        var image: String?
        var ports: [ContainerPort]?
    }

    struct ContainerPort: Decodable, Sendable, Equatable {
        var name: String?
        var containerPort: Int
        var `protocol`: String?
    }

    struct PodStatus: Decodable, Sendable, Equatable {
        var podIP: String?
        var hostIP: String?
        var phase: String?
        var conditions: [Condition]?
        var containerStatuses: [ContainerStatus]?
        var initContainerStatuses: [ContainerStatus]?
    }

    struct Condition: Decodable, Sendable, Equatable {
        var type: String
        var status: String
    }

    struct ContainerStatus: Decodable, Sendable, Equatable {
        var name: String
        var containerID: String?
    }

    struct Node: Decodable, Sendable, Equatable {
        var metadata: ObjectMeta
        var spec: NodeSpec?
        var status: NodeStatus?
    }

    struct NodeSpec: Decodable, Sendable, Equatable {
        var providerID: String?
    }

    struct NodeStatus: Decodable, Sendable, Equatable {
        var addresses: [NodeAddress]?
        var daemonEndpoints: DaemonEndpoints?
        var conditions: [Condition]?
    }

    struct NodeAddress: Decodable, Sendable, Equatable {
        var type: String
        var address: String
    }

    struct DaemonEndpoints: Decodable, Sendable, Equatable {
        var kubeletEndpoint: Endpoint?
    }

    struct Endpoint: Decodable, Sendable, Equatable {
        // The API writes this field capitalised.
        var port: Int?
        enum CodingKeys: String, CodingKey { case port = "Port" }
    }

    /// A `Status` object: the body of API errors and of watch `ERROR` events.
    struct Status: Decodable, Sendable, Equatable {
        var message: String?
        var reason: String?
        var code: Int?
    }
}
