import Foundation

/// A fresh, empty directory under the system temp dir, named `prefix-<UUID>`. The test removes it
/// with `removeTemporaryDirectory` in a `defer`, so it goes however the test ends.
package func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

package func removeTemporaryDirectory(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
}

/// A temporary directory removed when the value is released: for tests that open stores in it.
/// Keep the value alive (use `path` to the end, or `withExtendedLifetime`) while the store is open.
package final class TemporaryDirectory {
    package let url: URL
    package var path: String { url.path }

    package init(_ prefix: String = "tsdb") {
        url = (try? makeTemporaryDirectory(prefix)) ?? FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }

    deinit { removeTemporaryDirectory(url) }
}

/// Every file under `path` (relative name → bytes), to show that something left a directory as it was.
package func fileContents(under path: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: path)
    while let name = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
        }
    }
    return files
}
