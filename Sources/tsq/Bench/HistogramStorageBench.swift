import ArgumentParser
import AsyncHTTPClient
import Foundation
import MetricsModel
import NIOCore
import RemoteProtocol
import TSDB

/// `tsq bench histograms`: a deterministic native histogram dataset (latencies as client libraries
/// record them: schema 3, log-normal observations, cumulative counts), written as a protobuf
/// exposition file for `tsq import`, optionally remote-written to a Prometheus, and measured in
/// the block chunk encoding at several chunk sizes. `scripts/bench-histogram-storage` runs it
/// against Prometheus 2.42 and compares the blocks on disk.
struct HistogramStorageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "histograms",
        abstract: "Bytes per native histogram sample: generate a dataset, measure our chunk encoding, optionally send it to a remote-write receiver.")

    @Option(help: "Series (endpoints × pods).")
    var series = 100

    @Option(help: "Hours of data, ending now.")
    var hours = 6

    @Option(help: "Seconds between samples.")
    var interval = 15

    @Option(help: "Write the dataset as protobuf exposition messages with timestamps here (for tsq import --format protobuf).")
    var out: String?

    @Option(name: .customLong("remote-write"), help: "Also send the dataset to this remote-write URL (in time order).")
    var remoteWrite: String?

    @Option(help: "Comma-separated samples per block chunk to measure.")
    var sizes = "120,240,480,1440"

    func run() async throws {
        let dataset = HistogramDataset(series: series, steps: hours * 3600 / interval, interval: Int64(interval) * 1000)
        let total = dataset.series.count * dataset.steps
        print("\(dataset.series.count) series, \(total) histogram samples, \(dataset.bucketsPerSample) buckets per sample on average")
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            var bytes = 0
            for index in dataset.series.indices { bytes += try BlockEncoding.histogramChunkBytes(dataset.samples(of: index), samplesPerChunk: size) }
            print("block chunks of \(size): \(String(format: "%.2f", Double(bytes) / Double(total))) B/sample")
        }
        if let out {
            var body: [UInt8] = []
            for step in 0..<dataset.steps {
                for index in dataset.series.indices { body += dataset.exposition(series: index, step: step) }
            }
            try Data(body).write(to: URL(fileURLWithPath: out))
            print("wrote \(out) (\(body.count) bytes)")
        }
        if let remoteWrite { try await send(dataset, to: remoteWrite) }
    }

    /// Sends every sample, ten steps of all series per request.
    func send(_ dataset: HistogramDataset, to url: String) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let all = dataset.series.indices.map { dataset.samples(of: $0) }
        for first in stride(from: 0, to: dataset.steps, by: 10) {
            let steps = first..<min(first + 10, dataset.steps)
            let request = RemoteWriteRequest(timeseries: dataset.series.indices.map { index in
                RemoteTimeSeries(labels: dataset.series[index].map { ($0.name, $0.value) }, samples: [], histograms: Array(all[index][steps]))
            })
            var http = HTTPClientRequest(url: url)
            http.method = .POST
            http.headers.add(name: "Content-Type", value: "application/x-protobuf")
            http.headers.add(name: "Content-Encoding", value: "snappy")
            http.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
            http.body = .bytes(ByteBuffer(bytes: Snappy.compress(request.encode())))
            let response = try await client.execute(http, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard response.status.code / 100 == 2 else { throw ValidationError("remote write answered \(response.status.code): \(text)") }
        }
        print("sent \(dataset.series.count * dataset.steps) histogram samples to \(url)")
    }
}

/// The benchmark's histograms, the same on every run: per series a log-normal latency around its
/// own median, 20–120 observations per step, recorded as a client library does at schema 3.
struct HistogramDataset {
    let series: [Labels]
    let steps: Int
    let interval: Int64
    let start: Int64
    private let histograms: [[FloatHistogram]]

    init(series count: Int, steps: Int, interval: Int64) {
        self.steps = steps
        self.interval = interval
        start = (Timestamps.now() / interval - Int64(steps)) * interval
        series = (0..<count).map { ["__name__": "http_request_duration_seconds", "handler": "/api/v\($0 / 10)", "pod": "api-\($0 % 10)"] }
        var random = SplitMix64(seed: 42)
        var all: [[FloatHistogram]] = []
        for index in 0..<count {
            var buckets: [Int32: Double] = [:]
            var sum = 0.0
            var total = 0.0
            let median = 0.02 * Double(1 + index % 7)
            var run: [FloatHistogram] = []
            for _ in 0..<steps {
                let observations = 20 + Int(random.next() % 101)
                for _ in 0..<observations {
                    let value = median * exp(0.6 * random.normal())
                    buckets[Int32((log2(value) * 8).rounded(.up)), default: 0] += 1
                    sum += value
                    total += 1
                }
                var h = FloatHistogram()
                h.schema = 3
                h.zeroThreshold = 2.938735877055719e-39
                let layout = buckets.sorted { $0.key < $1.key }.map { (index: $0.key, count: $0.value) }
                (h.positiveSpans, h.positiveBuckets) = FloatHistogram.compacted(layout, maxEmptyBuckets: 2)
                h.count = total
                h.sum = sum
                run.append(h)
            }
            all.append(run)
        }
        histograms = all
    }

    var bucketsPerSample: Int {
        histograms.flatMap { $0 }.reduce(0) { $0 + $1.positiveBuckets.count } / max(1, histograms.count * steps)
    }

    func samples(of index: Int) -> [HistogramSample] {
        histograms[index].enumerated().map { HistogramSample(timestamp: start + Int64($0.offset) * interval, histogram: $0.element) }
    }

    func exposition(series index: Int, step: Int) -> [UInt8] {
        let h = histograms[index][step]
        let labels = series[index].filter { $0.name != LabelNames.metricName }.map { ($0.name, $0.value) }
        return MetricFamilyEncoder.family(series[index].metricName, type: .histogram, metrics: [
            MetricFamilyEncoder.histogram(labels, native: h, count: h.count, sum: h.sum, timestampMs: start + Int64(step) * interval),
        ])
    }
}

/// A small deterministic generator (SplitMix64) with a normal deviate by Box–Muller.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }
}
