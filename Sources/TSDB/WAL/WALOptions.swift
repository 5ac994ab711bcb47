/// When the WAL forces its writes to stable storage.
///
/// Every commit is handed to the kernel with `write(2)` before `commit()` returns, so a killed
/// process loses nothing that was committed. `fsync` additionally protects against power loss and
/// kernel crashes, at a cost per call of milliseconds on real disks.
package enum WALSyncPolicy: Sendable, Equatable {
    /// fsync after every commit: no committed sample is lost even on power failure. Slowest.
    case everyCommit
    /// fsync at most this often (and when a segment is closed): a power failure loses at most
    /// this window. Prometheus syncs only on segment close; this is stricter.
    case interval(Duration)
}

/// WAL settings.
package struct WALOptions: Sendable {
    /// A segment is closed and a new one started past this size.
    var segmentSize: Int = 128 << 20
    package var syncPolicy: WALSyncPolicy = .interval(.seconds(5))

    package init(segmentSize: Int = 128 << 20, syncPolicy: WALSyncPolicy = .interval(.seconds(5))) {
        self.segmentSize = segmentSize
        self.syncPolicy = syncPolicy
    }
}
