import MetricsModel
import RemoteProtocol

/// The Prometheus protobuf exposition format: a stream of `io.prometheus.client.MetricFamily`
/// messages, each preceded by its length as a varint (`encoding=delimited`).
///
/// Each family becomes the samples Prometheus makes of it: a counter, gauge or untyped metric one
/// series under the family's name; a summary `name{quantile=…}`, `name_sum` and `name_count`; a
/// histogram a native histogram sample under `name` when it has native parts, and the classic
/// `name_bucket{le=…}`, `name_count` and `name_sum` series when it has no native parts or when
/// classic histograms are asked for too (or, with `convertClassicToNHCB`, a histogram with custom
/// buckets instead of the classic series).
///
/// Every length and count is checked against the bytes left before anything is allocated, so
/// garbage is a clear error (`ExpositionError` with the byte offset of the family), never a crash.
package struct ProtobufParser {
    package struct Options: Sendable, Equatable {
        /// Keep native histograms (`scrape_native_histograms`); without, a histogram's classic series
        /// are kept whether or not it has native parts.
        package var nativeHistograms = true
        /// Also keep the classic series of a histogram that has native parts (`always_scrape_classic_histograms`).
        package var alwaysClassic = false
        /// Turn classic histograms into native ones with custom buckets (`convert_classic_histograms_to_nhcb`).
        package var convertClassicToNHCB = false
        /// Most buckets a native histogram may keep (`native_histogram_bucket_limit`, 0: no limit).
        package var bucketLimit = 0
        /// Smallest growth factor from one bucket to the next (`native_histogram_min_bucket_factor`).
        package var minBucketFactor = 0.0

        package init(nativeHistograms: Bool = true, alwaysClassic: Bool = false, convertClassicToNHCB: Bool = false,
                     bucketLimit: Int = 0, minBucketFactor: Double = 0) {
            self.nativeHistograms = nativeHistograms
            self.alwaysClassic = alwaysClassic
            self.convertClassicToNHCB = convertClassicToNHCB
            self.bucketLimit = bucketLimit
            self.minBucketFactor = minBucketFactor
        }
    }

    /// One sample of the exposition.
    package struct Entry: Sendable, Equatable {
        /// The series as Prometheus text would write it (`name{a="b",…}`): the scrape cache's key.
        package var key: [UInt8]
        package var labels: Labels
        package var value: Double
        /// Set for a native histogram sample (then `value` is unused).
        package var histogram: FloatHistogram?
        /// The exposition's own timestamp (ms), if it gave one.
        package var timestamp: Int64?
        /// The metric's created timestamp (ms), if it gave one.
        package var startTimestamp: Int64?
        /// The exemplars the exposition attached: a counter's, a classic bucket's, or a native
        /// histogram's list.
        package var exemplars: [Exemplar] = []
    }

    package internal(set) var entries: [Entry] = []
    package internal(set) var metadata: [String: MetricMetadata] = [:]
    let options: Options

    /// Parses a whole exposition.
    package init(_ body: [UInt8], options: Options = Options()) throws(ExpositionError) {
        self.options = options
        var reader = ProtobufReader(body)
        var index = 0
        while !reader.isAtEnd {
            let offset = body.count - reader.remaining.count
            do {
                var family = try reader.readMessage()
                try parseFamily(&family)
            } catch let error as ExpositionError {
                throw ExpositionError(line: 0, column: offset + 1, message: "metric family \(index + 1): \(error.message)")
            } catch {
                throw ExpositionError(line: 0, column: offset + 1, message: "metric family \(index + 1): \(error)")
            }
            index += 1
        }
    }

    /// The protobuf `MetricType` numbers.
    static func type(_ number: UInt64) -> MetricType? {
        switch number {
        case 0: .counter
        case 1: .gauge
        case 2: .summary
        case 3: .unknown
        case 4: .histogram
        case 5: .gaugehistogram
        default: nil
        }
    }

    /// A `MetricFamily`: `name` 1, `help` 2, `type` 3, `metric` 4 (repeated), `unit` 5.
    private mutating func parseFamily(_ reader: inout ProtobufReader) throws {
        var name = ""
        var help = ""
        var unit = ""
        var type = MetricType.counter
        var metrics: [ProtobufReader] = []
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 2): name = try reader.readText()
            case (2, 2): help = try reader.readText()
            case (3, 0):
                let number = try reader.readVarint()
                guard let known = Self.type(number) else { throw ExpositionError(line: 0, column: 0, message: "unknown metric type \(number)") }
                type = known
            case (4, 2): metrics.append(try reader.readMessage())
            case (5, 2): unit = try reader.readText()
            default: try reader.skip(wireType: wire)
            }
        }
        guard !name.isEmpty else { throw ExpositionError(line: 0, column: 0, message: "metric family without a name") }
        metadata[name] = MetricMetadata(type: type, help: help, unit: unit)
        for var metric in metrics { try parseMetric(&metric, family: name, type: type) }
    }
}

extension ProtobufReader {
    /// A string field, which must be UTF-8 (Prometheus refuses other bytes in names and values).
    mutating func readText() throws -> String {
        let message = try readMessage()
        guard let text = String(validating: message.remaining, as: UTF8.self) else {
            throw ExpositionError(line: 0, column: 0, message: "string field is not valid UTF-8")
        }
        return text
    }
}
