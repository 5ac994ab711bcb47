import Foundation
import Synchronization

/// What the status endpoints report about the running server: its flags, start time, and the
/// configuration file's text and reload state, which the reloader updates.
package final class ServerRuntime: Sendable {
    let startTime = Date()
    /// Every flag by Prometheus's name, values as strings (`/api/v1/status/flags`).
    package let flags: [String: String]
    package let storageRetention: String

    private struct State {
        var configText: String
        var reloadSucceeded = true
        var lastConfigTime = Date()
    }

    private let state: Mutex<State>

    package init(flags: [String: String], storageRetention: String, configText: String) {
        self.flags = flags
        self.storageRetention = storageRetention
        state = Mutex(State(configText: configText))
    }

    /// Records a successful load of `text`.
    package func configLoaded(_ text: String) {
        state.withLock { state in
            state.configText = text
            state.reloadSucceeded = true
            state.lastConfigTime = Date()
        }
    }

    /// Records a reload that was refused (the old configuration keeps running).
    package func reloadFailed() {
        state.withLock { $0.reloadSucceeded = false }
    }

    var configText: String { state.withLock { $0.configText } }
    var reloadState: (succeeded: Bool, time: Date) { state.withLock { ($0.reloadSucceeded, $0.lastConfigTime) } }
}
