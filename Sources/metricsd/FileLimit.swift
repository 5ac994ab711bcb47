#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The process's open-file limit, which every connection, WAL segment, block file and scrape uses.
///
/// Go raises the soft limit to the hard one at start-up, so Prometheus has it; metricsd does the
/// same. Connections are then capped below half of it: a server that has used up its descriptors
/// cannot accept, and an accept loop retrying `EMFILE` spins a core (measured before the cap).
enum FileLimit {
    /// Raises the soft limit on open files to the hard limit; returns the soft limit in force.
    static func raiseToHard(logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                limit = raised
            } else {
                logger.warning("cannot raise the open-file limit", metadata: ["soft": "\(limit.rlim_cur)", "hard": "\(limit.rlim_max)"])
            }
        }
        // RLIM_INFINITY is all ones, so it lands above Int.max too.
        return limit.rlim_cur > UInt64(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// The connection cap to use: the requested one (0 for none), held at or below half the
    /// open-file limit so the other half stays for the store and the scrapes.
    static func connectionCap(requested: Int, fileLimit: Int) -> Int {
        let ceiling = max(1, fileLimit / 2)
        return requested == 0 ? (fileLimit == Int.max ? 0 : ceiling) : min(requested, ceiling)
    }
}
