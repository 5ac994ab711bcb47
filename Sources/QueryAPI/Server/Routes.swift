import Hummingbird
import Synchronization

/// Registers handlers on the router and remembers each path's methods, so a request with the wrong
/// method gets 405 and an `Allow` header rather than a 404.
struct Routes {
    let router: Router<APIRequestContext>
    let table: RouteTable

    func on(
        _ path: String, _ methods: [HTTPRequest.Method],
        use handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response
    ) {
        for method in methods {
            router.on(RouterPath(path), method: method, use: handler)
            table.add(path, method)
        }
    }
}

/// The registered paths (with `:name` parameters) and their methods.
final class RouteTable: Sendable {
    private let entries = Mutex([(segments: [Substring], methods: Set<HTTPRequest.Method>)]())

    func add(_ path: String, _ method: HTTPRequest.Method) {
        let segments = path.split(separator: "/")
        entries.withLock { entries in
            if let index = entries.firstIndex(where: { $0.segments == segments }) {
                entries[index].methods.insert(method)
            } else {
                entries.append((segments, [method]))
            }
        }
    }

    /// The methods a path accepts; empty when no route matches it.
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let parts = path.split(separator: "/")
        return entries.withLock { entries in
            var methods = Set<HTTPRequest.Method>()
            for entry in entries where entry.segments.count == parts.count {
                let matches = zip(entry.segments, parts).allSatisfy { pattern, part in pattern.hasPrefix(":") || pattern == part }
                if matches { methods.formUnion(entry.methods) }
            }
            return methods
        }
    }
}
