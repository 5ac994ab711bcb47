import Foundation
import Hummingbird
import Testing
import ServerTestSupport
import TestSupport

/// Kills a real `metricsd` with SIGKILL in the middle of ingesting, in a loop, and checks that
/// every committed sample is still there after each restart.
@Suite("metricsd crash recovery", .serialized)
struct CrashRecoveryTests {
    /// A counter that goes up by one on every scrape, so stored values must be 1, 2, 3, … with
    /// no gaps: a gap or a short tail means a committed sample was lost.
    actor Counter {
        var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }

    static func startExporter(port: Int, counter: Counter) async throws -> TestServer {
        try await startTextExporter(port: port) { _ in
            "# TYPE crash_test_counter counter\ncrash_test_counter \(await counter.next())\n"
        }
    }

    /// (value, timestamp) of `crash_test_counter` in the store, read with `tsq dump` (which opens
    /// the store and replays its WAL exactly as a restarted metricsd does).
    static func stored(_ dataDirectory: String) throws -> [(value: Int, timestamp: Int64)] {
        let dump = Process()
        dump.executableURL = ServerProcess.binary("tsq")
        dump.arguments = ["dump", "--data-dir", dataDirectory, "--metric", "crash_test_counter"]
        let pipe = Pipe()
        dump.standardOutput = pipe
        try dump.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        dump.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let value = Int(fields[fields.count - 2]), let timestamp = Int64(fields[fields.count - 1]) else { return nil }
            return (value, timestamp)
        }
    }

    /// The newest `crash_test_counter` value a running metricsd answers with.
    static func latestValue(port: Int) async -> Int? {
        guard let (_, body) = await httpGet("http://127.0.0.1:\(port)/api/v1/query?query=crash_test_counter"),
              let range = body.range(of: #","(\d+)"\]"#, options: .regularExpression)
        else { return nil }
        return Int(body[range].dropFirst(2).dropLast(2))
    }

    /// Timestamps of the scrapes metricsd reported committed (its debug log, written after each
    /// commit returned).
    static func committed(_ log: String) -> Set<Int64> {
        var out = Set<Int64>()
        // Failed scrapes commit only `up` and friends (samples=0); they hold no counter sample.
        for line in log.split(separator: "\n") where line.contains("scrape committed") && line.contains("job=crash") && line.contains("samples=1") {
            guard let range = line.range(of: "timestamp=") else { continue }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            if let value = Int64(digits) { out.insert(value) }
        }
        return out
    }

    @Test("kill -9 mid-ingest loses no committed sample, five times over")
    func killLoop() async throws {
        let exporterPort = ServerProcess.freePort()
        let counter = Counter()
        let exporter = try await Self.startExporter(port: exporterPort, counter: counter)
        defer { exporter.cancel() }
        let directory = try makeTemporaryDirectory("crash")
        defer { removeTemporaryDirectory(directory) }
        let data = directory.path + "/data"
        let config = directory.path + "/prometheus.yml"
        // Frequent scrapes, so a kill lands mid-ingest; a timeout as long as the interval, so a test
        // process busy with the rest of the suite still answers in time.
        try """
            global: {scrape_interval: 100ms, scrape_timeout: 100ms}
            scrape_configs:
              - job_name: crash
                static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }

        var previousCount = 0
        var allCommitted = Set<Int64>()
        for round in 1...5 {
            let port = ServerProcess.freePort()
            let server = try ServerProcess("metricsd", arguments: [
                "--config.file", config, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", data,
                "--storage.tsdb.wal-sync-interval", "1h", "--log.level", "debug",
            ])
            #expect(await eventually(within: 15) { await httpGet("http://127.0.0.1:\(port)/-/ready")?.0 == 200 })
            // Let it ingest for a while, then kill it without warning, mid-scrape with luck. First wait
            // until the server answers with a counter value served during this round: a sample of this
            // round is committed (a scrape that timed out on a loaded machine commits none).
            let before = await counter.value
            // The exporter answers from this test process, which shares two cores with the rest of
            // the suite (the demo and headless Chromium among it): give it time to win one scrape.
            let ingesting = await eventually(within: 45) { (await Self.latestValue(port: port) ?? 0) > before }
            #expect(ingesting, "round \(round): no scrape of this round was committed")
            try await Task.sleep(for: .milliseconds(200 + 150 * round))
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            allCommitted.formUnion(Self.committed(server.log()))

            let samples = try Self.stored(data)
            let timestamps = Set(samples.map(\.timestamp))
            // 1. Every scrape metricsd reported committed, in this run and the ones before, is stored.
            let lost = allCommitted.subtracting(timestamps)
            #expect(lost.isEmpty, "round \(round): \(lost.count) committed scrapes lost, e.g. \(lost.sorted().prefix(3))")
            // 2. Values only grow (the exporter's counter), so nothing was stored out of place.
            #expect(zip(samples, samples.dropFirst()).allSatisfy { $0.value < $1.value && $0.timestamp < $1.timestamp })
            #expect(samples.count > previousCount, "round \(round): no new samples survived")
            #expect(!allCommitted.isEmpty)
            previousCount = samples.count
        }
    }
}
