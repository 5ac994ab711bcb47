import Logging

/// Process-wide logging for the servers (metricsd, alertd): stderr, at `--log.level`.
package enum ServerLogging {
    /// Installs the handler; `level` is debug, info, warn or error (anything else is info).
    package static func bootstrap(level text: String) {
        let level: Logger.Level = switch text {
        case "debug": .debug
        case "warn": .warning
        case "error": .error
        default: .info
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
