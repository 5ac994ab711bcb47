import MetricsModel

/// Prometheus's remote read/write messages (`prompb`): float samples and native histograms.
/// Exemplars in a write request are skipped; metricsd does not store them.
package struct RemoteTimeSeries: Sendable, Equatable {
    package var labels: [(name: String, value: String)]
    package var samples: [Sample]
    /// `TimeSeries` field 4.
    package var histograms: [HistogramSample]
    /// Set when a label name or value was not valid UTF-8: which, with its bytes escaped. The
    /// labels then hold a lossy reading, so the series must be refused, never stored under it
    /// (two distinct values would become one series).
    package var invalidUTF8: String?

    package init(labels: [(name: String, value: String)], samples: [Sample], histograms: [HistogramSample] = []) {
        self.labels = labels
        self.samples = samples
        self.histograms = histograms
    }

    package static func == (lhs: RemoteTimeSeries, rhs: RemoteTimeSeries) -> Bool {
        lhs.labels.elementsEqual(rhs.labels, by: ==) && lhs.samples == rhs.samples && lhs.histograms == rhs.histograms
    }

    static func decode(_ reader: inout ProtobufReader) throws(ProtobufReader.Failure) -> RemoteTimeSeries {
        var series = RemoteTimeSeries(labels: [], samples: [])
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (field, wireType) {
            case (1, 2):
                var label = try reader.readMessage()
                var name = ""
                var value = ""
                while !label.isAtEnd {
                    let (labelField, labelWire) = try label.readTag()
                    switch (labelField, labelWire) {
                    case (1, 2), (2, 2):
                        let (text, invalid) = try label.readCheckedString()
                        if labelField == 1 { name = text } else { value = text }
                        if let invalid, series.invalidUTF8 == nil {
                            series.invalidUTF8 = (labelField == 1 ? "a label name" : "the value of label \(quoteLabelValue(name))")
                                + " is not valid UTF-8: " + ProtobufReader.escaped(invalid)
                        }
                    default: try label.skip(wireType: labelWire)
                    }
                }
                series.labels.append((name, value))
            case (2, 2):
                var sample = try reader.readMessage()
                var value = 0.0
                var timestamp: Int64 = 0
                while !sample.isAtEnd {
                    let (sampleField, sampleWire) = try sample.readTag()
                    switch (sampleField, sampleWire) {
                    case (1, 1): value = Double(bitPattern: try sample.readFixed64())
                    case (2, 0): timestamp = Int64(bitPattern: try sample.readVarint())
                    default: try sample.skip(wireType: sampleWire)
                    }
                }
                series.samples.append(Sample(timestamp: timestamp, value: value))
            case (4, 2):
                var histogram = try reader.readMessage()
                series.histograms.append(try RemoteHistogram.decode(&histogram))
            default:
                try reader.skip(wireType: wireType)
            }
        }
        return series
    }

    func encode(into writer: inout ProtobufWriter) {
        for label in labels {
            var message = ProtobufWriter()
            message.writeStringField(1, label.name)
            message.writeStringField(2, label.value)
            writer.writeBytesField(1, message.bytes)
        }
        for sample in samples {
            var message = ProtobufWriter()
            message.writeDoubleField(1, sample.value)
            message.writeVarintField(2, UInt64(bitPattern: sample.timestamp))
            writer.writeBytesField(2, message.bytes)
        }
        for histogram in histograms {
            var message = ProtobufWriter()
            RemoteHistogram.encode(histogram, into: &message)
            writer.writeBytesField(4, message.bytes)
        }
    }
}

/// `WriteRequest`: series with their samples, and metric metadata.
package struct RemoteWriteRequest: Sendable, Equatable {
    package var timeseries: [RemoteTimeSeries]
    package var metadata: [RemoteMetadata] = []

    package init(timeseries: [RemoteTimeSeries]) {
        self.timeseries = timeseries
    }

    package static func decode(_ bytes: [UInt8]) throws(ProtobufReader.Failure) -> RemoteWriteRequest {
        var reader = ProtobufReader(bytes)
        var request = RemoteWriteRequest(timeseries: [])
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            if field == 1 && wireType == 2 {
                var message = try reader.readMessage()
                request.timeseries.append(try RemoteTimeSeries.decode(&message))
            } else if field == 3 && wireType == 2 {
                var message = try reader.readMessage()
                request.metadata.append(try RemoteMetadata.decode(&message))
            } else {
                try reader.skip(wireType: wireType)
            }
        }
        return request
    }

    package func encode() -> [UInt8] {
        var writer = ProtobufWriter()
        for series in timeseries {
            var message = ProtobufWriter()
            series.encode(into: &message)
            writer.writeBytesField(1, message.bytes)
        }
        return writer.bytes
    }
}

/// `MetricMetadata`: a metric family's type, help and unit.
package struct RemoteMetadata: Sendable, Equatable {
    /// prompb's `MetricType` number (1 counter, 2 gauge, 3 histogram, 5 summary, …).
    package var type: Int = 0
    package var family = ""
    package var help = ""
    package var unit = ""

    static func decode(_ reader: inout ProtobufReader) throws(ProtobufReader.Failure) -> RemoteMetadata {
        var metadata = RemoteMetadata()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (field, wireType) {
            case (1, 0): metadata.type = Int(clamping: try reader.readVarint())
            case (2, 2): metadata.family = try reader.readString()
            case (4, 2): metadata.help = try reader.readString()
            case (5, 2): metadata.unit = try reader.readString()
            default: try reader.skip(wireType: wireType)
            }
        }
        return metadata
    }
}
