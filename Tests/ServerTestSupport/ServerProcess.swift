import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A built executable of this package run as a child process, stopped when the test ends.
package final class ServerProcess: @unchecked Sendable {
    package let process = Process()
    /// Where the process's stdout and stderr go: a file, so a chatty process never blocks on a full
    /// pipe and `log()` always returns everything it wrote.
    private let logFile: URL

    /// `.build/debug/<name>` (or `$TOOLBOX_BIN_DIR/<name>`).
    package static func binary(_ name: String) -> URL {
        if let directory = ProcessInfo.processInfo.environment["TOOLBOX_BIN_DIR"] {
            return URL(fileURLWithPath: directory).appendingPathComponent(name)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug").appendingPathComponent(name)
    }

    package convenience init(_ name: String, arguments: [String]) throws {
        try self.init(executable: Self.binary(name), arguments: arguments)
    }

    /// Runs any executable (a shell that sets limits and then execs a binary, say).
    package init(executable: URL, arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable.lastPathComponent)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Stops the process with SIGTERM and waits up to `seconds` for it to exit; returns its status.
    @discardableResult
    package func stop(within seconds: Double = 10) -> Int32? {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// `stop(within:)` without holding a thread of the cooperative pool while the process shuts
    /// down (a server may take seconds; the pool has one thread per core).
    @discardableResult
    package func terminate(within seconds: Double = 10) async -> Int32? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.stop(within: seconds)) }
        }
    }

    /// Everything the process wrote so far.
    package func log() -> String {
        String(decoding: (try? Data(contentsOf: logFile)) ?? Data(), as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// A TCP port that was free a moment ago on 127.0.0.1.
    package static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Minimal HTTP GET for tests: status and body, nil when nothing answers.
package func httpGet(_ url: String, timeout: Double = 2) async -> (Int, String)? {
    guard let url = URL(string: url) else { return nil }
    var request = URLRequest(url: url)
    request.timeoutInterval = timeout
    guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else {
        return nil
    }
    return (http.statusCode, String(decoding: data, as: UTF8.self))
}

/// Minimal HTTP POST for tests: status and body, nil when nothing answers.
package func httpPost(_ url: String, body: Data = Data(), headers: [String: String] = [:], timeout: Double = 10) async -> (Int, String)? {
    guard let url = URL(string: url) else { return nil }
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.timeoutInterval = timeout
    request.httpBody = body
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else {
        return nil
    }
    return (http.statusCode, String(decoding: data, as: UTF8.self))
}
