import MetricsModel

/// Walks several sorted series streams in label order, merging series present in more than one.
struct SeriesMerger {
    /// Calls `body` for each distinct label set across `blocks`, with float and histogram samples
    /// merged and de-duplicated.
    static func merge(_ blocks: [Block], from mint: Int64, through maxt: Int64, _ body: (Labels, [Sample], [HistogramSample]) throws -> Void) throws {
        var cursors: [BlockCursor] = try blocks.map { try BlockCursor($0, mint: mint, maxt: maxt) }
        while true {
            var smallest: Labels?
            for cursor in cursors {
                if let labels = cursor.current?.labels, smallest.map({ labels < $0 }) ?? true { smallest = labels }
            }
            guard let labels = smallest else { return }
            var samples: [Sample] = []
            var histograms: [HistogramSample] = []
            for index in cursors.indices where cursors[index].current?.labels == labels {
                let current = cursors[index].current!
                samples = samples.isEmpty ? current.samples : Sample.merge(samples, current.samples)
                histograms = histograms.isEmpty ? current.histograms : HistogramSample.merge(histograms, current.histograms)
                try cursors[index].advance()
            }
            try body(labels, samples, histograms)
        }
    }
}

/// Reads one block's series in id (= label) order, one series ahead.
struct BlockCursor {
    let block: Block
    let mint: Int64
    let maxt: Int64
    var nextID: UInt32 = 1
    var current: Block.SeriesData?

    init(_ block: Block, mint: Int64, maxt: Int64) throws {
        self.block = block
        self.mint = mint
        self.maxt = maxt
        try advance()
    }

    mutating func advance() throws {
        current = nil
        while current == nil && nextID <= block.numSeries {
            current = try block.series(id: nextID, from: mint, through: maxt)
            nextID += 1
        }
    }
}
