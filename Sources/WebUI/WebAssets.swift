/// The web UI's files and the shipped dashboards, embedded in the binary at build time.
package enum WebAssets {
    /// A file by its name under the assets (`app.js`, `dashboards/toolboxai-api.json`).
    package static func file(_ name: String) -> String? {
        EmbeddedAssets.files[name]
    }

    /// The shipped dashboards' file names, sorted.
    package static var dashboardNames: [String] {
        EmbeddedAssets.files.keys.filter { $0.hasPrefix("dashboards/") }.map { String($0.dropFirst("dashboards/".count)) }.sorted()
    }

    /// The content type of a file name, from its extension.
    package static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "json", "map": "application/json"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
