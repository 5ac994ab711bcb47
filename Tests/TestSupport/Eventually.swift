import Foundation

/// How long in-process servers and loops may take to answer while the whole suite runs: an upper
/// bound, not a pause. On 2 busy cores other suites' synchronous work can hold the cooperative pool
/// for seconds; 10 s waits failed that way in CI (2026-12-03) while the code under test was fine.
package let underLoad: Double = 30

/// Polls `condition` every 100 ms until it holds or `seconds` pass (a bounded wait, never a hang).
package func eventually(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return false
}
