import Foundation

/// Runs a command to completion and returns its exit status and everything it printed (stdout and
/// stderr together).
package func runProcess(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

/// `application/x-www-form-urlencoded` text, every reserved character escaped (`+` as `%2B`).
package func formEncode(_ pairs: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        .joined(separator: "&")
}

/// What a finished command printed, kept apart.
package struct CommandResult: Sendable {
    package let status: Int32
    package let stdout: String
    package let stderr: String
}

/// Runs a command to completion (in `directory` when given) with `stdin` as its input and `environment` added to this process's,
/// keeping stdout and stderr apart (each written to a file, so neither can fill a pipe and block).
package func runCommand(
    _ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: URL? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    if let directory { process.currentDirectoryURL = directory }
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let directory = FileManager.default.temporaryDirectory
    let outFile = directory.appendingPathComponent("out-\(UUID().uuidString)")
    let errFile = directory.appendingPathComponent("err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outFile.path, contents: nil)
    FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }
    process.standardOutput = try FileHandle(forWritingTo: outFile)
    process.standardError = try FileHandle(forWritingTo: errFile)
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
    }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: (try? Data(contentsOf: outFile)) ?? Data(), as: UTF8.self),
        stderr: String(decoding: (try? Data(contentsOf: errFile)) ?? Data(), as: UTF8.self))
}

/// `runCommand` off the cooperative thread pool: waiting for a child process blocks a thread, and
/// the pool has as many threads as cores, so in-process test servers would starve.
package func runCommandDetached(
    _ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: URL? = nil
) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runCommand(executable, arguments, stdin: stdin, environment: environment, directory: directory) })
        }
    }
}
