import Foundation

/// CPU, memory and start time of this process, read from /proc as Prometheus's client does.
struct ProcessMetrics {
    var cpuSeconds: Double = 0
    var residentBytes: Double = 0
    var virtualBytes: Double = 0
    var startTimeSeconds: Double = 0
    var openFileDescriptors: Double = 0
    var maxFileDescriptors: Double = 0
    var virtualMemoryMaxBytes: Double = 0
    var threads: Double = 0

    static func read() -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        // /proc/self/stat: fields after the parenthesised command name, which may contain spaces.
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
            if fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
               let threads = Double(fields[17]), let start = Double(fields[19]), let vsize = Double(fields[20]), let rss = Double(fields[21])
            {
                metrics.threads = threads
                metrics.cpuSeconds = (utime + stime) / ticks
                metrics.virtualBytes = vsize
                metrics.residentBytes = rss * pageSize
                metrics.startTimeSeconds = bootTime() + start / ticks
            }
        }
        metrics.openFileDescriptors = Double((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { metrics.maxFileDescriptors = Double(limit.rlim_cur) }
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0 { metrics.virtualMemoryMaxBytes = Double(limit.rlim_cur) }
        return metrics
    }

    private static func bootTime() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6)) ?? 0
        }
        return 0
    }
}
