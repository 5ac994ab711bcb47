import Config
import MetricsModel
import Synchronization

@testable import Scraper

/// A store that keeps every committed sample by series, for scrape tests without TSDB.
final class RecordingStore: Appendable, Sendable {
    private let committed = Mutex<[Labels: [Sample]]>([:])

    struct Transaction: Appender {
        let store: RecordingStore
        var pending: [(Labels, Sample)] = []

        mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef {
            guard !labels.isEmpty else { throw AppendError.unknownReference(ref) }
            pending.append((labels, sample))
            return 0
        }

        mutating func commit() throws {
            let batch = pending
            pending = []
            store.committed.withLock { series in
                for (labels, sample) in batch { series[labels, default: []].append(sample) }
            }
        }

        mutating func rollback() { pending = [] }
    }

    func appender() -> Transaction { Transaction(store: self) }

    /// The committed samples of the series named `name` whose labels include `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        committed.withLock { series in
            series.filter { key, _ in key.metricName == name && labels.allSatisfy { key[$0.key] == $0.value } }
                .flatMap(\.value).sorted { $0.timestamp < $1.timestamp }
        }
    }

    var seriesNames: Set<String> { committed.withLock { Set($0.keys.map(\.metricName)) } }
}

/// Answers scrapes from a table by target address, counting them; an address without an answer fails.
final class FakeFetcher: TargetFetcher {
    enum Answer: Sendable {
        case body(String, contentType: String? = "text/plain; version=0.0.4")
        case failure(String)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let state = Mutex<(answers: [String: Answer], calls: [String: Int])>(([:], [:]))

    init(_ answers: [String: Answer] = [:]) {
        state.withLock { $0.answers = answers }
    }

    func set(_ address: String, _ answer: Answer) {
        state.withLock { $0.answers[address] = answer }
    }

    func calls(_ address: String) -> Int { state.withLock { $0.calls[address] ?? 0 } }

    func fetch(_ target: Target, config: ScrapeConfig) async throws -> (body: [UInt8], contentType: String?) {
        let address = target.labels["instance"] ?? ""
        let answer = state.withLock { state -> Answer? in
            state.calls[address, default: 0] += 1
            return state.answers[address]
        }
        switch answer {
        case .body(let text, let contentType): return (Array(text.utf8), contentType)
        case .failure(let message): throw Failure(description: message)
        case nil: throw Failure(description: "no answer for \(address)")
        }
    }
}

/// A scrape config for `job` with fast scrapes and the given static targets.
func fastScrapeConfig(_ job: String, targets: [String] = []) throws -> ScrapeConfig {
    let yaml = """
        scrape_configs:
        - job_name: \(job)
          scrape_interval: 100ms
          scrape_timeout: 100ms
          static_configs: [{targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]}]
        """
    return try PrometheusConfig.load(yaml: yaml).scrapeConfigs[0]
}
