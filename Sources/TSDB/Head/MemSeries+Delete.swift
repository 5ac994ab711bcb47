import MetricsModel

extension MemSeries {
    /// Removes samples in `mint...maxt` (a tombstone), re-encoding the chunks that held them.
    func delete(from mint: Int64, through maxt: Int64, chunkRange: Int64) {
        guard maxTime >= mint || !outOfOrder.isEmpty else { return }
        histograms?.delete(from: mint, through: maxt, chunkRange: chunkRange)
        if histograms?.isEmpty == true { histograms = nil }
        let kept = samples(from: Int64.min, through: Int64.max).filter { $0.timestamp < mint || $0.timestamp > maxt }
        closed = []
        open = XORAppender()
        outOfOrder = []
        maxTime = Int64.min
        chunkEnd = Int64.min
        for sample in kept { try? append(sample, chunkRange: chunkRange) }
        if let histograms, histograms.maxTime > maxTime {
            maxTime = histograms.maxTime
            newestIsHistogram = true
        }
    }
}
