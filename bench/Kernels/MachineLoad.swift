import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds used so far on this machine by everything (processes, interrupts, and time the
/// hypervisor gave to other guests) and by this process, read from /proc (nil elsewhere).
struct CPUTimes {
    var machine: Double
    var own: Double
    var wall: Double
    var cores: Int

    static func now() -> CPUTimes? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let mine = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let total = stat.split(separator: "\n").first, total.hasPrefix("cpu "),
              let afterName = mine.lastIndex(of: ")") else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal: all but idle and iowait are someone's.
        let t = total.split(separator: " ").dropFirst().compactMap { Double($0) }
        // After the command name: state is field 3, utime and stime are fields 14 and 15.
        let p = mine[mine.index(after: afterName)...].split(separator: " ")
        guard t.count >= 8, p.count >= 13, let utime = Double(p[11]), let stime = Double(p[12]), ticks > 0 else { return nil }
        let cores = stat.split(separator: "\n").filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }.count
        return CPUTimes(machine: (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / ticks, own: (utime + stime) / ticks,
                        wall: seconds(), cores: max(1, cores))
    }

    /// Cores' worth of CPU (0...cores) that anything but this process used since `earlier`.
    func otherCores(since earlier: CPUTimes) -> Double {
        let wall = self.wall - earlier.wall
        guard wall > 0 else { return 0 }
        let others = (machine - earlier.machine) - (own - earlier.own)
        return Swift.min(Double(cores), Swift.max(0, others / wall))
    }
}

/// Runs `body` and returns its result with the cores' worth of CPU other processes used meanwhile.
func measuringOthers<T>(_ body: () -> T) -> (T, Double?) {
    let before = CPUTimes.now()
    let result = body()
    guard let before, let after = CPUTimes.now() else { return (result, nil) }
    return (result, after.otherCores(since: before))
}
