import Foundation
import Hummingbird
import MetricsModel
import PromQL
import RemoteProtocol
import TSDB

/// `/federate`: the newest sample (within the lookback delta) of every series the `match[]`
/// selectors pick, with timestamps, external labels added where a series lacks them — what another
/// Prometheus's federation job scrapes. In the protobuf format when the client asks for it (native
/// histograms as histogram families), else in text (which has no notation for native histograms, so
/// they are left out, as Prometheus leaves them out).
struct Federation: Sendable {
    let db: DB
    let lookbackDelta: Int64
    let externalLabels: @Sendable () -> [String: String]

    func register(on routes: Routes) {
        routes.on("/federate", [.get]) { request, _ in
            do {
                return try await federate(request)
            } catch let error as APIError {
                return APIServer.text(error.message + "\n", status: .badRequest)
            }
        }
    }

    private func federate(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let selectors = try parameters.selectors()
        let now = Timestamps.now()
        let mint = now - lookbackDelta + 1
        let db = self.db
        let found = try await Storage.run { () -> [Labels: Latest] in
            var latest: [Labels: Latest] = [:]
            try db.withReader { reader in
                for matchers in selectors {
                    for (labels, samples) in try reader.select(matchers, from: mint, through: now) {
                        guard let last = samples.last, !StaleMarker.isStale(last.value) else { continue }
                        latest[labels] = .float(last)
                    }
                    for (labels, samples) in try reader.selectHistograms(matchers, from: mint, through: now) {
                        guard let last = samples.last, !last.isStale, last.timestamp > latest[labels]?.timestamp ?? Int64.min else { continue }
                        latest[labels] = .histogram(last)
                    }
                }
            }
            return latest
        }
        let external = externalLabels()
        var byName: [String: [(Labels, Latest)]] = [:]
        for (labels, sample) in found {
            var builder = LabelsBuilder(labels)
            for (name, value) in external where !builder.has(name) { builder.set(name, value) }
            byName[labels.get(LabelNames.metricName), default: []].append((builder.labels(), sample))
        }
        let accept = request.headers[.accept] ?? ""
        if accept.contains("application/vnd.google.protobuf") && accept.contains("io.prometheus.client.MetricFamily") {
            return Self.protobuf(byName)
        }
        var text = ""
        for name in byName.keys.sorted() {
            let floats = byName[name]!.compactMap { labels, latest -> (Labels, Sample)? in
                if case .float(let sample) = latest { return (labels, sample) }
                return nil
            }
            guard !floats.isEmpty else { continue }
            text += "# TYPE \(name) untyped\n"
            for (labels, sample) in floats.sorted(by: { $0.0 < $1.0 }) {
                let pairs = labels.filter { $0.name != LabelNames.metricName }.map { "\($0.name)=\(quoteLabelValue($0.value))" }
                text += name + (pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}")
                text += " \(GoFloat.formatG(sample.value)) \(sample.timestamp)\n"
            }
        }
        return APIServer.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// A series' newest sample: a float or a native histogram.
    enum Latest {
        case float(Sample)
        case histogram(HistogramSample)

        var timestamp: Int64 {
            switch self {
            case .float(let sample): sample.timestamp
            case .histogram(let sample): sample.timestamp
            }
        }
    }

    /// The protobuf answer: per metric name an untyped family of its float series, and a histogram
    /// family (gauge histogram for gauges) of its native histogram series.
    static func protobuf(_ byName: [String: [(Labels, Latest)]]) -> Response {
        var body: [UInt8] = []
        for name in byName.keys.sorted() {
            var floats: [[UInt8]] = []
            var counters: [[UInt8]] = []
            var gauges: [[UInt8]] = []
            for (labels, latest) in byName[name]!.sorted(by: { $0.0 < $1.0 }) {
                let pairs = labels.filter { $0.name != LabelNames.metricName }.map { ($0.name, $0.value) }
                switch latest {
                case .float(let sample):
                    floats.append(MetricFamilyEncoder.metric(pairs, type: .untyped, value: sample.value, timestampMs: sample.timestamp))
                case .histogram(let sample):
                    let h = sample.histogram
                    let metric = MetricFamilyEncoder.histogram(pairs, native: h, count: h.count, sum: h.sum, timestampMs: sample.timestamp)
                    if h.counterResetHint == .gauge { gauges.append(metric) } else { counters.append(metric) }
                }
            }
            if !floats.isEmpty { body += MetricFamilyEncoder.family(name, type: .untyped, metrics: floats) }
            if !counters.isEmpty { body += MetricFamilyEncoder.family(name, type: .histogram, metrics: counters) }
            if !gauges.isEmpty { body += MetricFamilyEncoder.family(name, type: .gaugeHistogram, metrics: gauges) }
        }
        return Response(status: .ok, headers: [.contentType: MetricFamilyEncoder.contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
