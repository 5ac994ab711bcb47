import MetricsModel

/// Walks several sorted series streams in label order, merging series present in more than one.
struct SeriesMerger {
    /// Calls `body` for each distinct label set across `blocks`, with samples merged and de-duplicated.
    static func merge(_ blocks: [Block], from mint: Int64, through maxt: Int64, _ body: (Labels, [Sample]) throws -> Void) throws {
        var cursors: [BlockCursor] = try blocks.map { try BlockCursor($0, mint: mint, maxt: maxt) }
        while true {
            var smallest: Labels?
            for cursor in cursors {
                if let labels = cursor.current?.0, smallest.map({ labels < $0 }) ?? true { smallest = labels }
            }
            guard let labels = smallest else { return }
            var samples: [Sample] = []
            for index in cursors.indices where cursors[index].current?.0 == labels {
                samples = samples.isEmpty ? cursors[index].current!.1 : Sample.merge(samples, cursors[index].current!.1)
                try cursors[index].advance()
            }
            try body(labels, samples)
        }
    }
}

/// Reads one block's series in id (= label) order, one series ahead.
struct BlockCursor {
    let block: Block
    let mint: Int64
    let maxt: Int64
    var nextID: UInt32 = 1
    var current: (Labels, [Sample])?

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
