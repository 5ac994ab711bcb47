import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("Head series cap (--storage.tsdb.max-series)")
struct SeriesLimitTests {
    @Test("new series past the cap are refused with a counted reason; series already there keep ingesting")
    func cap() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.head.maxSeries = 3
        let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { db.close() }
        var appender = db.appender()
        for name in ["a", "b", "c"] { try appender.append(["__name__": name], Sample(timestamp: 1000, value: 1)) }
        #expect(throws: AppendError.seriesLimit(labels: ["__name__": "d"], limit: 3)) {
            try appender.append(["__name__": "d"], Sample(timestamp: 1000, value: 1))
        }
        #expect(throws: AppendError.self) {
            try appender.appendHistogram(["__name__": "h"], HistogramSample(timestamp: 1000, histogram: FloatHistogram()))
        }
        try appender.commit()
        var next = db.appender()
        for name in ["a", "b", "c"] { try next.append(["__name__": name], Sample(timestamp: 2000, value: 2)) }
        try next.commit()
        #expect(try db.select([], from: 0, through: 5000).map { $0.1.count } == [2, 2, 2])
        #expect(db.head.stats.seriesLimitRefusals == 2)
        #expect("\(AppendError.seriesLimit(labels: ["__name__": "d"], limit: 3))".contains("head series limit reached (3 series, --storage.tsdb.max-series)"))
    }

    @Test("series the head drops free room under the cap, and a restart replays every series the WAL holds")
    func capAfterTruncationAndReplay() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.head.maxSeries = 2
        do {
            let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
            var appender = db.appender()
            for name in ["a", "b"] { try appender.append(["__name__": name], Sample(timestamp: 1000, value: 1)) }
            try appender.commit()
            db.head.truncate(before: 2000)
            var later = db.appender()
            try later.append(["__name__": "c"], Sample(timestamp: 3000, value: 1))
            try later.commit()
            db.close()
        }
        options.head.maxSeries = 1
        let reopened = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(try reopened.select([], from: 0, through: 5000).map { $0.0["__name__"] } == ["a", "b", "c"])
        var appender = reopened.appender()
        #expect(throws: AppendError.self) { try appender.append(["__name__": "d"], Sample(timestamp: 4000, value: 1)) }
        try appender.append(["__name__": "c"], Sample(timestamp: 4000, value: 2))
        try appender.commit()
    }
}
