import Config
import Foundation
import Hummingbird
import HummingbirdTesting
import MetricsModel
import PromQL
import RemoteProtocol
import Synchronization
import Testing
import TSDB

@testable import QueryAPI

/// The query side of remote read: merging secondary series into the store's, and the read
/// messages as a client sends and a server answers them.
@Suite("Remote read: merging and messages")
struct RemoteReadMergeTests {
    /// Answers every selection with fixed series (or nil), recording what it was asked.
    final class FixedSource: SecondaryStorage {
        let answer: SecondarySelection?
        let asked = Mutex<[(matchers: String, mint: Int64, maxt: Int64, localStart: Int64)]>([])

        init(_ answer: SecondarySelection?) { self.answer = answer }

        func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, localStart: Int64, deadline: ContinuousClock.Instant?) -> SecondarySelection? {
            asked.withLock { $0.append((matchers.map(\.description).joined(separator: ","), mint, maxt, localStart)) }
            return answer
        }
    }

    static func samples(_ times: [Int64]) -> [Sample] { times.map { Sample(timestamp: $0, value: Double($0)) } }

    @Test("series both sides hold become one, samples merged by time with the local one winning a tie; the rest interleave in label order")
    func mergesByLabels() throws {
        let a = Labels(["__name__": "m", "i": "a"])
        let b = Labels(["__name__": "m", "i": "b"])
        let c = Labels(["__name__": "m", "i": "c"])
        let local: [(Labels, [Sample])] = [(a, Self.samples([1, 3])), (c, [Sample(timestamp: 5, value: -1)])]
        let remote: [(Labels, [Sample])] = [(b, Self.samples([2])), (c, Self.samples([4, 5, 6]))]
        let merged = MergedQueryable<DB>.merge(local, remote)
        #expect(merged.map(\.0) == [a, b, c])
        #expect(merged[2].1 == [Sample(timestamp: 4, value: 4), Sample(timestamp: 5, value: -1), Sample(timestamp: 6, value: 6)])
        #expect(MergedQueryable<DB>.merge([], remote).map(\.0) == [b, c])
        #expect(MergedQueryable<DB>.merge(local, []).map(\.0) == [a, c])
    }

    @Test("a query reads both, passes the local start, collects the sources' warnings once each, and reads the store alone when no source is asked")
    func queriesThroughTheMerge() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rr-merge-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try DB(path: directory, logger: .init(label: "test"))
        defer { db.close() }
        var appender = db.appender()
        try appender.append(Labels(["__name__": "m", "i": "local"]), Sample(timestamp: 10_000, value: 1))
        try appender.commit()
        let remote = FixedSource(SecondarySelection(series: [(Labels(["__name__": "m", "i": "remote"]), [Sample(timestamp: 9_000, value: 2)])], warnings: ["remote_read: x: down"]))
        let warnings = StorageWarnings()
        let value = try db.withReader { reader in
            let merged = MergedQueryable(local: reader, reads: SecondaryReads(storage: remote, localStart: { 42 }), warnings: warnings, deadline: nil)
            return try Engine().instant(try Parser.parse("m + on() group_left count(m)"), at: 10_000, on: merged)
        }
        guard case .vector(_, let result) = value else { Issue.record("not a vector: \(value)"); return }
        #expect(result.map { $0.0.get("i") }.sorted() == ["local", "remote"])
        #expect(warnings.all == ["remote_read: x: down"])
        #expect(remote.asked.withLock { $0.allSatisfy { $0.localStart == 42 && $0.matchers == "__name__=\"m\"" } })

        let silent = FixedSource(nil)
        let alone = try db.withReader { reader in
            try MergedQueryable(local: reader, reads: SecondaryReads(storage: silent, localStart: { 0 }), warnings: warnings, deadline: nil)
                .mapSeries([try Matcher(.equal, "__name__", "m")], from: 0, through: 20_000) { labels, _ in labels.get("i") }
        }
        #expect(alone == ["local"] && silent.asked.withLock { $0.count } == 1)
    }

    @Test("a source's native histograms are queried with the store's, and one request brings a selection's floats and histograms")
    func histogramsThroughTheMerge() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rr-merge-h-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try DB(path: directory, logger: .init(label: "test"))
        defer { db.close() }
        func histogram(_ count: Double) -> FloatHistogram {
            var h = FloatHistogram()
            h.count = count
            h.sum = count
            h.positiveSpans = [HistogramSpan(offset: 0, length: 1)]
            h.positiveBuckets = [count]
            return h
        }
        var appender = db.appender()
        try appender.appendHistogram(Labels(["__name__": "h", "i": "local"]), HistogramSample(timestamp: 10_000, histogram: histogram(3)))
        try appender.commit()
        let remoteLabels = Labels(["__name__": "h", "i": "remote"])
        let remote = FixedSource(SecondarySelection(series: [], histograms: [(remoteLabels, [HistogramSample(timestamp: 9_000, histogram: histogram(5))])], warnings: []))
        let value = try db.withReader { reader in
            let merged = MergedQueryable(local: reader, reads: SecondaryReads(storage: remote, localStart: { 0 }), warnings: nil, deadline: nil)
            return try Engine().instant(try Parser.parse("histogram_count(h)"), at: 10_000, on: merged)
        }
        guard case .vector(_, let result) = value else { Issue.record("not a vector: \(value)"); return }
        #expect(result.map { "\($0.0.get("i"))=\($0.1)" }.sorted() == ["local=3.0", "remote=5.0"])
        #expect(remote.asked.withLock { $0.count } == 1)
    }

    @Test("a read request encodes as the server decodes it; a response decodes as the server encodes it")
    func messagesRoundTrip() throws {
        let query = RemoteReadRequest.Query(start: -5, end: 1_700_000_000_000, matchers: [
            try Matcher(.equal, "__name__", "up"), try Matcher(.notEqual, "job", ""), try Matcher(.regexMatch, "i", "a|b"), try Matcher(.regexNoMatch, "z", ".+"),
        ])
        let decoded = try RemoteReadRequest.decode(RemoteReadRequest(queries: [query], acceptedResponseTypes: [0]).encode())
        #expect(decoded.acceptedResponseTypes == [0])
        #expect(decoded.queries.first?.start == -5 && decoded.queries.first?.end == 1_700_000_000_000)
        #expect(decoded.queries.first?.matchers.map(\.description) == query.matchers.map(\.description))
        let series = [
            RemoteTimeSeries(labels: [("__name__", "up"), ("job", "a")], samples: [Sample(timestamp: 1, value: .nan), Sample(timestamp: 2, value: -0.0)]),
        ]
        let response = try RemoteReadResponse.decode(RemoteReadResponse(results: [series, []]).encode())
        #expect(response.results.count == 2 && response.results[0] == series && response.results[1].isEmpty)
        #expect(throws: ProtobufReader.Failure.self) { try RemoteReadResponse.decode([0x0a, 0x05, 0x01]) }
    }

    @Test("the server adds its external labels to what it returns and reads a matcher on one as the label's absence")
    func serverExternalLabels() async throws {
        try await withTestAPI(server: { db in
            APIServer(db: db, config: {
                var config = PrometheusConfig()
                config.global.externalLabels = ["cluster": "east", "i": "shadowed"]
                return config
            })
        }) { client, db in
            var appender = db.appender()
            try appender.append(Labels(["__name__": "m", "i": "own"]), Sample(timestamp: 1_000, value: 1))
            try appender.commit()
            let request = RemoteReadRequest(queries: [
                .init(start: 0, end: 5_000, matchers: [try Matcher(.equal, "__name__", "m"), try Matcher(.equal, "cluster", "east")]),
                .init(start: 0, end: 5_000, matchers: [try Matcher(.equal, "__name__", "m"), try Matcher(.equal, "cluster", "west")]),
            ], acceptedResponseTypes: [0])
            try await client.execute(uri: "/api/v1/read", method: .post, headers: RemoteEndpointTests.headers,
                                     body: ByteBuffer(bytes: Snappy.compress(request.encode()))) { response in
                #expect(response.status == .ok)
                let decoded = try RemoteReadResponse.decode(try Snappy.decompress(Array(buffer: response.body)))
                #expect(decoded.results.count == 2)
                let labels = decoded.results[0].first.map { Dictionary(uniqueKeysWithValues: $0.labels.map { ($0.name, $0.value) }) }
                #expect(labels == ["__name__": "m", "i": "own", "cluster": "east"], "the series' own label wins over an external one")
                #expect(decoded.results[1].isEmpty)
            }
        }
    }
}
