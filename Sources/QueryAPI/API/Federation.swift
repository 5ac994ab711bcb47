import Foundation
import Hummingbird
import MetricsModel
import PromQL
import TSDB

/// `/federate`: the newest sample (within the lookback delta) of every series the `match[]`
/// selectors pick, in the text exposition format with timestamps, external labels added where a
/// series lacks them — what another Prometheus's federation job scrapes.
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
        let found = try await Storage.run { () -> [Labels: Sample] in
            var latest: [Labels: Sample] = [:]
            for matchers in selectors {
                for (labels, samples) in try db.select(matchers, from: mint, through: now) {
                    guard let last = samples.last, !StaleMarker.isStale(last.value) else { continue }
                    latest[labels] = last
                }
            }
            return latest
        }
        let external = externalLabels()
        var byName: [String: [(Labels, Sample)]] = [:]
        for (labels, sample) in found {
            var builder = LabelsBuilder(labels)
            for (name, value) in external where !builder.has(name) { builder.set(name, value) }
            byName[labels.get(LabelNames.metricName), default: []].append((builder.labels(), sample))
        }
        var text = ""
        for name in byName.keys.sorted() {
            text += "# TYPE \(name) untyped\n"
            for (labels, sample) in byName[name]!.sorted(by: { $0.0 < $1.0 }) {
                let pairs = labels.filter { $0.name != LabelNames.metricName }.map { "\($0.name)=\(quoteLabelValue($0.value))" }
                text += name + (pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}")
                text += " \(GoFloat.formatG(sample.value)) \(sample.timestamp)\n"
            }
        }
        return APIServer.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
