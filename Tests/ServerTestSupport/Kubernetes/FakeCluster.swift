import Config
import Foundation
import Scraper

/// An in-memory Kubernetes API state for tests: objects by resource, a resourceVersion counter and
/// an event log that watches replay. Filtering by namespace and selectors is done here, as the API
/// server does it, so discovery code sees what a real server would send.
package final class FakeCluster: @unchecked Sendable {
    package struct Event: Sendable {
        package var resourceVersion: Int
        package var resource: String
        package var type: String
        /// The object after the change (for DELETED, its last state); JSON bytes.
        package var object: Data
        /// The object before the change, to turn a MODIFIED that enters or leaves a selector into
        /// ADDED or DELETED as the API server does.
        package var previous: Data?
    }

    private let lock = NSLock()
    private var objects: [String: [String: Data]] = [:]
    private var events: [Event] = []
    private var currentVersion = 100
    /// Watches from a resourceVersion at or below this get a 410 `Expired` ERROR event.
    package private(set) var compactedVersion = 0

    package init() {}

    /// The resource (`pods`, `nodes`, ...) an object's `kind` lives in.
    package static func resource(ofKind kind: String) -> String? {
        ["Pod": "pods", "Node": "nodes", "Namespace": "namespaces", "ReplicaSet": "replicasets", "Job": "jobs"][kind]
    }

    package var resourceVersion: Int { lock.withLock { currentVersion } }

    /// Loads a `*List` body (as in `pods.json`), keeping its items' resourceVersions and the list's.
    package func load(list data: Data, resource: String) throws {
        let list = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let items = list["items"] as? [[String: Any]] ?? []
        lock.withLock {
            for item in items {
                let key = Self.key(item)
                objects[resource, default: [:]][key] = try? JSONSerialization.data(withJSONObject: item)
            }
            if let meta = list["metadata"] as? [String: Any], let rv = (meta["resourceVersion"] as? String).flatMap(Int.init) {
                currentVersion = max(currentVersion, rv)
            }
        }
    }

    /// Stores an object as present before any watch started (no event).
    package func seed(_ object: [String: Any]) {
        guard let resource = Self.resource(ofKind: object["kind"] as? String ?? "") else { return }
        lock.withLock {
            objects[resource, default: [:]][Self.key(object)] = try? JSONSerialization.data(withJSONObject: object)
        }
    }

    /// Applies a change and logs the watch event. `type` is ADDED, MODIFIED, DELETED or BOOKMARK.
    /// The object's resourceVersion is taken when present, else the next version is assigned.
    @discardableResult
    package func apply(type: String, object input: [String: Any], resource explicitResource: String? = nil) -> Int {
        var object = input
        return lock.withLock {
            var meta = object["metadata"] as? [String: Any] ?? [:]
            let version = (meta["resourceVersion"] as? String).flatMap(Int.init) ?? (currentVersion + 1)
            currentVersion = max(currentVersion, version)
            meta["resourceVersion"] = String(version)
            object["metadata"] = meta
            let kind = object["kind"] as? String ?? ""
            let resource = explicitResource ?? Self.resource(ofKind: kind) ?? kind.lowercased() + "s"
            let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            if type == "BOOKMARK" {
                events.append(Event(resourceVersion: version, resource: resource, type: type, object: data, previous: nil))
                return version
            }
            let key = Self.key(object)
            let previous = objects[resource]?[key]
            if type == "DELETED" {
                objects[resource]?[key] = nil
            } else {
                objects[resource, default: [:]][key] = data
            }
            events.append(Event(resourceVersion: version, resource: resource, type: type, object: data, previous: previous))
            return version
        }
    }

    /// Forgets events up to the current version: older watches then get 410.
    package func compact() {
        lock.withLock {
            compactedVersion = currentVersion
            events.removeAll()
        }
    }

    /// The objects of a resource that pass the filters, sorted by key.
    package func list(_ resource: String, filter: Filter) -> [Data] {
        lock.withLock {
            (objects[resource] ?? [:]).sorted { $0.key < $1.key }.map(\.value).filter { filter.matches($0) }
        }
    }

    /// Events after `version` for `resource`, as the filtered watch would deliver them.
    package func events(_ resource: String, after version: Int, filter: Filter) -> [(type: String, object: Data, version: Int)] {
        lock.withLock {
            events.filter { $0.resourceVersion > version && $0.resource == resource }.compactMap { event in
                if event.type == "BOOKMARK" { return (event.type, event.object, event.resourceVersion) }
                let now = filter.matches(event.object)
                let before = event.previous.map(filter.matches) ?? false
                switch (event.type, before, now) {
                case ("DELETED", true, _), ("DELETED", _, true): return ("DELETED", event.object, event.resourceVersion)
                case ("DELETED", _, _): return nil
                case (_, false, true): return ("ADDED", event.object, event.resourceVersion)
                case (_, true, true): return ("MODIFIED", event.object, event.resourceVersion)
                case (_, true, false): return ("DELETED", event.object, event.resourceVersion)
                default: return nil
                }
            }
        }
    }

    static func key(_ object: [String: Any]) -> String {
        let meta = object["metadata"] as? [String: Any] ?? [:]
        let name = meta["name"] as? String ?? ""
        if let namespace = meta["namespace"] as? String { return "\(namespace)/\(name)" }
        return name
    }

    /// What a list or watch request selects: a namespace and label/field selectors.
    package struct Filter: Sendable {
        package var namespace: String?
        package var label: LabelSelector?
        package var field: FieldSelector?

        package init(namespace: String? = nil, label: String = "", field: String = "") throws {
            self.namespace = namespace
            self.label = label.isEmpty ? nil : try LabelSelector(parsing: label)
            self.field = field.isEmpty ? nil : try FieldSelector(parsing: field)
        }

        package func matches(_ data: Data) -> Bool {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
            let meta = object["metadata"] as? [String: Any] ?? [:]
            if let namespace, meta["namespace"] as? String != namespace { return false }
            if let label, !label.matches(meta["labels"] as? [String: String] ?? [:]) { return false }
            if let field, !field.matches(Self.fields(object)) { return false }
            return true
        }

        /// The selectable fields the API server supports for pods and nodes.
        static func fields(_ object: [String: Any]) -> [String: String] {
            let meta = object["metadata"] as? [String: Any] ?? [:]
            let spec = object["spec"] as? [String: Any] ?? [:]
            let status = object["status"] as? [String: Any] ?? [:]
            var fields = ["metadata.name": meta["name"] as? String ?? "", "metadata.namespace": meta["namespace"] as? String ?? ""]
            for name in ["nodeName", "restartPolicy", "schedulerName", "serviceAccountName"] {
                fields["spec.\(name)"] = spec[name] as? String ?? ""
            }
            fields["spec.hostNetwork"] = (spec["hostNetwork"] as? Bool ?? false) ? "true" : "false"
            fields["spec.unschedulable"] = (spec["unschedulable"] as? Bool ?? false) ? "true" : "false"
            for name in ["phase", "podIP", "nominatedNodeName"] {
                fields["status.\(name)"] = status[name] as? String ?? ""
            }
            return fields
        }
    }
}
