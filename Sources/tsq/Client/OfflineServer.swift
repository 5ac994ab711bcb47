import Logging
import QueryAPI
import ServiceLifecycle
import TSDB

/// `--data-dir`: the store opened read-only and served by metricsd's own API code on a loopback
/// port only this process uses, so every command gets exactly the answer metricsd would give over
/// the same directory, through the same client path.
enum OfflineServer {
    static func withServer<T: Sendable>(dataDirectory: String, _ body: @Sendable (String) async throws -> T) async throws -> T {
        var logger = Logger(label: "tsq")
        logger.logLevel = .warning
        let db: DB
        do {
            db = try DB.openReadOnly(path: dataDirectory, logger: logger)
        } catch let error as StorageError {
            throw TSQFailure(.unreachable, "--data-dir: \(error)")
        } catch {
            throw TSQFailure(.unreachable, "--data-dir \(dataDirectory): \(error)")
        }
        defer { db.close() }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        // The server's own logs (connections closing at shutdown) are not the user's business.
        var serverLogger = logger
        serverLogger.logLevel = .critical
        let application = APIServer(db: db).application(host: "127.0.0.1", port: 0, logger: serverLogger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let services = ServiceGroup(configuration: .init(services: [application], logger: serverLogger))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await services.run()
                return nil
            }
            var port: Int?
            for await bound in ports { port = bound }
            guard let port else { throw TSQFailure(.unreachable, "--data-dir: the in-process API did not start") }
            do {
                let result = try await body("http://127.0.0.1:\(port)")
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
