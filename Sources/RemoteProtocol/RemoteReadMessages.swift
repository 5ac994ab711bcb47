import MetricsModel

/// `ReadRequest`: queries, and the response types the client accepts.
package struct RemoteReadRequest: Sendable {
    package struct Query: Sendable {
        package var start: Int64
        package var end: Int64
        package var matchers: [Matcher]

        package init(start: Int64, end: Int64, matchers: [Matcher]) {
            self.start = start
            self.end = end
            self.matchers = matchers
        }
    }

    /// prompb's `LabelMatcher.Type` numbers, in order.
    static let matchTypes: [MatchType] = [.equal, .notEqual, .regexMatch, .regexNoMatch]

    /// `SAMPLES` (0) and `STREAMED_XOR_CHUNKS` (1).
    package static let samplesResponse = 0

    package var queries: [Query] = []
    package var acceptedResponseTypes: [Int] = []

    package init(queries: [Query] = [], acceptedResponseTypes: [Int] = []) {
        self.queries = queries
        self.acceptedResponseTypes = acceptedResponseTypes
    }

    package func encode() -> [UInt8] {
        var writer = ProtobufWriter()
        for query in queries {
            var message = ProtobufWriter()
            message.writeVarintField(1, UInt64(bitPattern: query.start))
            message.writeVarintField(2, UInt64(bitPattern: query.end))
            for matcher in query.matchers {
                var encoded = ProtobufWriter()
                let type = Self.matchTypes.firstIndex(of: matcher.type) ?? 0
                if type != 0 { encoded.writeVarintField(1, UInt64(type)) }
                encoded.writeStringField(2, matcher.name)
                encoded.writeStringField(3, matcher.value)
                message.writeBytesField(3, encoded.bytes)
            }
            writer.writeBytesField(1, message.bytes)
        }
        for type in acceptedResponseTypes { writer.writeVarintField(2, UInt64(type)) }
        return writer.bytes
    }

    struct InvalidMatcher: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    package static func decode(_ bytes: [UInt8]) throws -> RemoteReadRequest {
        var reader = ProtobufReader(bytes)
        var request = RemoteReadRequest()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (field, wireType) {
            case (1, 2):
                var message = try reader.readMessage()
                request.queries.append(try decodeQuery(&message))
            case (2, 0):
                request.acceptedResponseTypes.append(Int(clamping: try reader.readVarint()))
            case (2, 2):
                var packed = try reader.readMessage()
                while !packed.isAtEnd { request.acceptedResponseTypes.append(Int(clamping: try packed.readVarint())) }
            default:
                try reader.skip(wireType: wireType)
            }
        }
        return request
    }

    static func decodeQuery(_ reader: inout ProtobufReader) throws -> Query {
        var query = Query(start: 0, end: 0, matchers: [])
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (field, wireType) {
            case (1, 0): query.start = Int64(bitPattern: try reader.readVarint())
            case (2, 0): query.end = Int64(bitPattern: try reader.readVarint())
            case (3, 2):
                var message = try reader.readMessage()
                var type = 0
                var name = ""
                var value = ""
                while !message.isAtEnd {
                    let (matcherField, matcherWire) = try message.readTag()
                    switch (matcherField, matcherWire) {
                    case (1, 0): type = Int(clamping: try message.readVarint())
                    case (2, 2): name = try message.readString()
                    case (3, 2): value = try message.readString()
                    default: try message.skip(wireType: matcherWire)
                    }
                }
                guard matchTypes.indices.contains(type) else { throw InvalidMatcher(description: "invalid matcher type \(type)") }
                query.matchers.append(try Matcher(matchTypes[type], name, value))
            default:
                try reader.skip(wireType: wireType)
            }
        }
        return query
    }
}

/// `ReadResponse` with `SAMPLES`: one result per query.
package struct RemoteReadResponse: Sendable {
    package var results: [[RemoteTimeSeries]]

    package init(results: [[RemoteTimeSeries]]) {
        self.results = results
    }

    package func encode() -> [UInt8] {
        var writer = ProtobufWriter()
        for result in results {
            var message = ProtobufWriter()
            for series in result {
                var seriesMessage = ProtobufWriter()
                series.encode(into: &seriesMessage)
                message.writeBytesField(1, seriesMessage.bytes)
            }
            writer.writeBytesField(1, message.bytes)
        }
        return writer.bytes
    }

    package static func decode(_ bytes: [UInt8]) throws(ProtobufReader.Failure) -> RemoteReadResponse {
        var reader = ProtobufReader(bytes)
        var response = RemoteReadResponse(results: [])
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            guard field == 1, wireType == 2 else {
                try reader.skip(wireType: wireType)
                continue
            }
            var result = try reader.readMessage()
            var series: [RemoteTimeSeries] = []
            while !result.isAtEnd {
                let (resultField, resultWire) = try result.readTag()
                if resultField == 1 && resultWire == 2 {
                    var message = try result.readMessage()
                    series.append(try RemoteTimeSeries.decode(&message))
                } else {
                    try result.skip(wireType: resultWire)
                }
            }
            response.results.append(series)
        }
        return response
    }
}
