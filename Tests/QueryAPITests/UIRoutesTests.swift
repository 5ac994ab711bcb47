import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@testable import QueryAPI

@Suite("Web UI routes")
struct UIRoutesTests {
    static func server(libraries: String = "/nonexistent", dashboards: String? = nil) -> (QueryAPI.APIServer.Options) {
        var options = APIServer.Options()
        options.ui.librariesPath = libraries
        options.ui.dashboardsDirectory = dashboards
        return options
    }

    @Test("every page path answers the HTML shell; assets carry an ETag and answer 304 when it matches")
    func pagesAndAssets() async throws {
        try await withTestAPI(server: { APIServer(db: $0, options: Self.server()) }) { client, _ in
            for path in ["/", "/dashboards", "/dashboards/toolboxai-api", "/graph", "/targets"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    #expect(String(buffer: response.body).contains(#"<script type="module" src="/static/app.js">"#))
                }
            }
            let tag = try await client.execute(uri: "/static/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(response.headers[.cacheControl] == "no-cache")
                return response.headers[.eTag] ?? ""
            }
            #expect(!tag.isEmpty)
            try await client.execute(uri: "/static/app.js", method: .get, headers: [.ifNoneMatch: tag]) { response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/static/nothing.js", method: .get) { response in #expect(response.status == .notFound) }
        }
    }

    @Test("a missing charting library is a 404 that says what to install")
    func missingLibrary() async throws {
        try await withTestAPI(server: { APIServer(db: $0, options: Self.server()) }) { client, _ in
            try await client.execute(uri: "/lib/dygraphs/dygraph.min.js", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("apt install libjs-dygraphs"))
            }
            try await client.execute(uri: "/lib/dygraphs/..%2F..%2Fetc%2Fpasswd", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("the dashboards are the shipped ones plus --web.dashboards-dir's, which replace same-named ones")
    func dashboards() async throws {
        let directory = TemporaryDirectory("ui-dashboards")
        try #"{"title": "Mine", "uid": "mine", "panels": []}"#.write(toFile: directory.path + "/mine.json", atomically: true, encoding: .utf8)
        try #"{"title": "Replaced API", "panels": []}"#.write(toFile: directory.path + "/toolboxai-api.json", atomically: true, encoding: .utf8)
        try await withTestAPI(server: { APIServer(db: $0, options: Self.server(dashboards: directory.path)) }) { client, _ in
            let list = try await client.execute(uri: "/ui/api/dashboards", method: .get) { response in
                try jsonObject(response.body)["data"] as? [[String: Any]] ?? []
            }
            let titles = Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0["title"] as? String ?? "") })
            #expect(titles["mine"] == "Mine")
            #expect(titles["toolboxai-api"] == "Replaced API")
            #expect(titles["toolboxai-overview"] == "ToolboxAI · Overview")
            try await client.execute(uri: "/ui/api/dashboards/toolboxai-errors", method: .get) { response in
                #expect(String(buffer: response.body).contains("Error rates and types"))
            }
            try await client.execute(uri: "/ui/api/dashboards/..%2Fsecret", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
