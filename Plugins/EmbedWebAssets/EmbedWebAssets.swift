import Foundation
import PackagePlugin

/// Embeds the web UI's files (`Sources/WebUI/Assets`) and the shipped dashboards (`dashboards/*.json`)
/// in the WebUI module as string literals, so metricsd serves them with nothing beside the binary.
@main
struct EmbedWebAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let fileManager = FileManager.default
        let assets = target.directoryURL.appending(path: "Assets")
        let dashboards = context.package.directoryURL.appending(path: "dashboards")
        var inputs: [(name: String, url: URL)] = []
        for name in try fileManager.contentsOfDirectory(atPath: assets.path).sorted() where !name.hasPrefix(".") {
            inputs.append((name, assets.appending(path: name)))
        }
        for name in try fileManager.contentsOfDirectory(atPath: dashboards.path).sorted() where name.hasSuffix(".json") {
            inputs.append(("dashboards/" + name, dashboards.appending(path: name)))
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) web UI files",
                executable: try context.tool(named: "EmbedAssetsTool").url,
                arguments: [output.path] + inputs.map { "\($0.name)=\($0.url.path)" },
                inputFiles: inputs.map(\.url),
                outputFiles: [output])
        ]
    }
}
