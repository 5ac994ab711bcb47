import Foundation

/// Polls `condition` every 100 ms until it holds or `seconds` pass (a bounded wait, never a hang).
package func eventually(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return false
}
