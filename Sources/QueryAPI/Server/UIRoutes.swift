import Foundation
import Hummingbird
import WebUI

/// The web UI: one HTML shell for every page (the pages are JavaScript modules that route on the
/// path), the embedded assets, the charting library from the system, and the dashboards.
package struct UIRoutes: Sendable {
    /// What metricsd's flags decide about the UI.
    package struct Options: Sendable {
        /// `--web.ui-libraries-path`: where Debian's `libjs-*` packages put JavaScript libraries.
        package var librariesPath = "/usr/share/javascript"
        /// `--web.dashboards-dir`: Grafana JSON files shown beside the embedded ones.
        package var dashboardsDirectory: String?
        package init() {}
    }

    let options: Options
    static let pages = ["/", "/dashboards", "/dashboards/:name", "/graph", "/targets", "/cardinality", "/alerts", "/rules", "/status"]
    /// The libraries the pages load, by the file names the library's Debian package installs.
    static let libraryFiles: Set = ["dygraphs/dygraph.min.js", "dygraphs/dygraph.min.css"]

    func register(on routes: Routes) {
        for page in Self.pages {
            routes.on(page, [.get, .head]) { request, _ in Self.asset("index.html", request: request) }
        }
        routes.on("/static/:file", [.get, .head]) { request, context in
            Self.asset(context.parameters.get("file") ?? "", request: request)
        }
        let librariesPath = options.librariesPath
        routes.on("/lib/:package/:file", [.get, .head]) { request, context in
            let name = "\(context.parameters.get("package") ?? "")/\(context.parameters.get("file") ?? "")"
            guard Self.libraryFiles.contains(name), let data = FileManager.default.contents(atPath: librariesPath + "/" + name) else {
                return APIServer.text("\(name) is not installed under \(librariesPath) (Debian: apt install libjs-dygraphs)\n", status: .notFound)
            }
            var response = Response(status: .ok, headers: [.contentType: WebAssets.contentType(name)], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            response.headers[.cacheControl] = "public, max-age=86400"
            return response
        }
        let directory = options.dashboardsDirectory
        routes.on("/ui/api/dashboards", [.get]) { _, _ in
            APIResponse.success(Self.dashboardList(directory: directory))
        }
        routes.on("/ui/api/dashboards/:name", [.get]) { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let text = Self.dashboard(name, directory: directory) else {
                return APIResponse.failure(APIError(.notFound, "no dashboard \(name)"))
            }
            return APIServer.text(text, contentType: "application/json")
        }
    }

    /// An embedded file, revalidated by ETag on every load (`no-cache`), so a new binary's files
    /// are picked up at once and unchanged ones cost a 304.
    static func asset(_ name: String, request: Request) -> Response {
        guard let text = WebAssets.file(name) else { return APIServer.text("404 page not found\n", status: .notFound) }
        let tag = "\"\(ETag.of(text))\""
        if request.headers[.ifNoneMatch] == tag {
            return Response(status: .notModified, headers: [.eTag: tag, .cacheControl: "no-cache"])
        }
        var response = APIServer.text(text, contentType: WebAssets.contentType(name))
        response.headers[.eTag] = tag
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    /// The shipped dashboards, then those of `directory` (a name there replaces a shipped one).
    static func dashboardList(directory: String?) -> [[String: Any]] {
        var names = Dictionary(uniqueKeysWithValues: WebAssets.dashboardNames.map { ($0, "embedded") })
        if let directory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for file in files where file.hasSuffix(".json") { names[file] = "directory" }
        }
        return names.keys.sorted().compactMap { file -> [String: Any]? in
            let name = String(file.dropLast(".json".count))
            guard let text = dashboard(name, directory: directory), let data = text.data(using: .utf8),
                  let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            else { return ["name": name, "title": name, "source": names[file]!, "error": "not valid JSON"] }
            return ["name": name, "title": json["title"] as? String ?? name, "uid": json["uid"] as? String ?? "",
                    "tags": json["tags"] as? [String] ?? [], "source": names[file]!]
        }
    }

    /// A dashboard's JSON text by name (the file name without `.json`).
    static func dashboard(_ name: String, directory: String?) -> String? {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { return nil }
        if let directory, let data = FileManager.default.contents(atPath: directory + "/" + name + ".json") {
            return String(decoding: data, as: UTF8.self)
        }
        return WebAssets.file("dashboards/" + name + ".json")
    }
}

/// A short stable fingerprint of a file's text (FNV-1a, 64 bits), for ETags.
enum ETag {
    static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
