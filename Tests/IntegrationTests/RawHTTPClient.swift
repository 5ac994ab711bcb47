import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to 127.0.0.1, for requests a test must be able to abandon mid-flight.
final class RawHTTPClient {
    private var descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Writes all of `bytes`; throws when the server has closed the connection (EPIPE, ECONNRESET).
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            sent += n
        }
    }

    /// Reads until the server closes the connection or `timeout` passes: what arrived, whether the
    /// connection ended, and when (seconds after the call).
    func readUntilClosed(timeout: Double) -> (text: String, closed: Bool, seconds: Double) {
        let started = Date()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date().timeIntervalSince(started) < timeout {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(1, (timeout - Date().timeIntervalSince(started)) * 1000))
            guard poll(&poller, 1, min(remaining, 200)) > 0 else { continue }
            let n = recv(descriptor, &buffer, buffer.count, 0)
            if n <= 0 { return (String(decoding: received, as: UTF8.self), true, Date().timeIntervalSince(started)) }
            received += buffer[0..<n]
        }
        return (String(decoding: received, as: UTF8.self), false, timeout)
    }

    func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    deinit { close() }
}
