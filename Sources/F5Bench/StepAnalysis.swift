import F5Compute
import Foundation

/// The machine costs a projection needs besides the recorded tasks, measured in this process.
public struct ParallelCosts: Codable, Sendable {
    /// Seconds of one empty region with one worker, and what each further worker adds.
    public var forkJoinSeconds: Double
    public var forkJoinPerThreadSeconds: Double
    /// Copy bandwidth (bytes read + written per second) of one thread and of all of this machine's cores.
    public var bandwidthPerThread: Double
    public var bandwidthAllCores: Double
    /// The machine-wide bandwidth the projection assumes at most (`bench --bandwidth-cap`).
    public var bandwidthCap: Double

    public static func measure(bandwidthCap: Double) -> ParallelCosts {
        func forkJoin(_ workers: Int) -> Double {
            ComputeThreads.withThreads(workers) {
                best(of: 5) {
                    for _ in 0..<200 { ComputeThreads.parallelFor("fork", tasks: workers) { _ in } }
                } / 200
            }
        }
        let one = forkJoin(1), cores = ProcessInfo.processInfo.activeProcessorCount
        let perThread = cores > 1 ? max(0, (forkJoin(cores) - one) / Double(cores - 1)) : 0
        return ParallelCosts(forkJoinSeconds: one, forkJoinPerThreadSeconds: perThread,
                             bandwidthPerThread: copyBandwidth(workers: 1), bandwidthAllCores: copyBandwidth(workers: cores),
                             bandwidthCap: bandwidthCap)
    }

    /// Bytes per second that `workers` threads copy between two 256 MiB buffers (beyond every cache).
    static func copyBandwidth(workers: Int) -> Double {
        let count = 64 << 20, source = AlignedBuffer(byteCount: 4 * count), target = AlignedBuffer(byteCount: 4 * count)
        source.floats().initialize(repeating: 1, count: count)
        target.floats().initialize(repeating: 0, count: count)
        let seconds = ComputeThreads.withThreads(workers) {
            best(of: 3) {
                ComputeThreads.parallelFor("copy", tasks: workers) { w in
                    let part = count / workers
                    (target.floats() + w * part).update(from: source.floats() + w * part, count: part)
                }
            }
        }
        return Double(8 * count) / seconds
    }

    static func best(of runs: Int, _ body: () -> Void) -> Double {
        (0..<runs).map { _ in
            let clock = Stopwatch()
            body()
            return clock.elapsed
        }.min()!
    }

    /// The region overhead and the bandwidth with `threads` workers.
    func overhead(threads: Int) -> Double { forkJoinSeconds + forkJoinPerThreadSeconds * Double(threads - 1) }
    func bandwidth(threads: Int) -> Double { min(bandwidthPerThread * Double(threads), max(bandwidthCap, bandwidthAllCores)) }
}

/// What one recorded step says about its parallel work: the serial time (one thread busy between regions),
/// each operation's time and imbalance, the fork/joins, and the step projected to other thread counts by
/// replaying the recorded task times through the same policy (workers take tasks in order), bounded by
/// memory bandwidth where a region streams memory.
public struct StepAnalysis: Codable, Sendable {
    public struct Operation: Codable, Sendable {
        /// The region name with block indices as `#` (e.g. `transformer_blocks.#.attn.to_q`).
        public var name: String
        public var regions: Int
        public var tasksPerRegion: Double
        public var seconds: Double
        /// Slowest worker's busy time over the mean worker's, wall-weighted over its regions.
        public var imbalance: Double
    }

    public struct Projection: Codable, Sendable {
        public var threads: Int
        public var seconds: Double
        public var speedup: Double
        public var efficiency: Double
    }

    public var backend: String
    public var threads: Int
    public var stepSeconds: Double
    public var serialSeconds: Double
    public var regions: Int
    public var operations: [Operation]
    public var costs: ParallelCosts
    public var projection: [Projection]

    public static let projectedThreads = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64]

    public init(step: StepTrace.Step, backend: String, costs: ParallelCosts) {
        self.backend = backend
        threads = step.threads
        stepSeconds = Double(step.end - step.start) / 1e9
        let wall = step.regions.reduce(0.0) { $0 + Double($1.end - $1.start) / 1e9 }
        serialSeconds = max(0, stepSeconds - wall)
        regions = step.regions.count
        self.costs = costs
        var byName: [String: [StepTrace.Region]] = [:]
        for region in step.regions { byName[Self.operationName(region), default: []].append(region) }
        operations = byName.map { name, regions in
            let seconds = regions.reduce(0.0) { $0 + Double($1.end - $1.start) / 1e9 }
            let weighted = regions.reduce(0.0) { $0 + Double($1.end - $1.start) / 1e9 * Self.imbalance($1) }
            return Operation(name: name, regions: regions.count,
                             tasksPerRegion: Double(regions.reduce(0) { $0 + $1.tasks.count }) / Double(regions.count),
                             seconds: seconds, imbalance: seconds > 0 ? weighted / seconds : 1)
        }.sorted { $0.seconds > $1.seconds }
        let serial = serialSeconds
        let projected = Self.projectedThreads.map { p in
            serial + step.regions.reduce(0.0) { total, region in
                let compute = Self.replay(region, threads: p)
                let memory = Double(region.bytes) / costs.bandwidth(threads: p)
                return total + max(compute, memory) + costs.overhead(threads: min(p, region.tasks.count))
            }
        }
        projection = zip(Self.projectedThreads, projected).map { p, seconds in
            Projection(threads: p, seconds: seconds, speedup: projected[0] / seconds, efficiency: projected[0] / seconds / Double(p))
        }
    }

    /// `stage/name` of a region with every all-digit component (between dots and slashes) replaced by `#`.
    static func operationName(_ region: StepTrace.Region) -> String {
        let full = region.name.hasPrefix(region.stage) || region.stage.isEmpty ? region.name : region.stage + "/" + region.name
        return full.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.split(separator: ".", omittingEmptySubsequences: false)
                .map { !$0.isEmpty && $0.allSatisfy(\.isNumber) ? "#" : String($0) }.joined(separator: ".")
        }.joined(separator: "/")
    }

    /// Slowest worker's busy time (CPU time of its tasks) over the mean (1 for a balanced region).
    static func imbalance(_ region: StepTrace.Region) -> Double {
        var busy = [Double](repeating: 0, count: max(1, region.workers))
        for task in region.tasks { busy[Int(task.worker)] += Double(task.cpu) }
        let mean = busy.reduce(0, +) / Double(busy.count)
        return mean > 0 ? busy.max()! / mean : 1
    }

    /// Seconds for `threads` workers that take the region's tasks in order, each the next task when it is free;
    /// a task lasts its recorded CPU time (a core of its own).
    static func replay(_ region: StepTrace.Region, threads: Int) -> Double {
        var free = [Double](repeating: 0, count: max(1, min(threads, region.tasks.count)))
        for task in region.tasks {
            var earliest = 0
            for w in free.indices where free[w] < free[earliest] { earliest = w }
            free[earliest] += Double(task.cpu) / 1e9
        }
        return free.max() ?? 0
    }

    public func projected(threads: Int) -> Double? { projection.first { $0.threads == threads }?.seconds }

    /// The Markdown section; `measured` holds (threads, seconds per step) measured in the same run.
    public func markdown(measured: [(threads: Int, seconds: Double)]) -> String {
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        var md = "## One step traced (\(backend), \(threads) threads)\n\n"
        md += "- step \(f(stepSeconds, 3)) s; serial (one thread busy between regions) \(f(serialSeconds * 1e3, 1)) ms = "
            + "\(f(100 * serialSeconds / stepSeconds)) %; \(regions) regions (fork/joins) per step\n"
        md += "- region cost \(f(costs.forkJoinSeconds * 1e6, 1)) µs + \(f(costs.forkJoinPerThreadSeconds * 1e6, 1)) µs per further thread; "
            + "copy bandwidth \(f(costs.bandwidthPerThread / 1e9, 1)) GB/s on 1 thread, \(f(costs.bandwidthAllCores / 1e9, 1)) GB/s "
            + "on all cores; the projection caps bandwidth at \(f(max(costs.bandwidthCap, costs.bandwidthAllCores) / 1e9, 0)) GB/s\n\n"
        md += "| operation | regions | tasks / region | ms | share | imbalance |\n|---|---|---|---|---|---|\n"
        for op in operations.prefix(16) {
            md += "| \(op.name) | \(op.regions) | \(f(op.tasksPerRegion, 0)) | \(f(op.seconds * 1e3, 1)) | "
                + "\(f(100 * op.seconds / stepSeconds, 1)) % | \(f(op.imbalance, 3)) |\n"
        }
        md += "\nProjected from this step's tasks (same scheduling, region cost and bandwidth bound above):\n\n"
        md += "| threads | s / step | speed-up | efficiency | measured s / step | projection error |\n|---|---|---|---|---|---|\n"
        for p in projection {
            let m = measured.first { $0.threads == p.threads }
            let error = m.map { f(100 * (p.seconds - $0.seconds) / $0.seconds, 1) + " %" } ?? ""
            md += "| \(p.threads) | \(f(p.seconds, 3)) | \(f(p.speedup)) | \(f(100 * p.efficiency, 0)) % | "
                + "\(m.map { f($0.seconds, 3) } ?? "") | \(error) |\n"
        }
        return md
    }

    /// The step as Chrome trace-event JSON (Perfetto, chrome://tracing): thread 0 is the model thread with
    /// every region and every serial stretch between regions; thread w + 1 is worker w, one span per region.
    public static func chromeTrace(_ step: StepTrace.Step) throws -> Data {
        var events: [[String: Any]] = []
        func us(_ t: UInt64) -> Double { Double(t - step.start) / 1e3 }
        func span(_ name: String, tid: Int, _ start: UInt64, _ end: UInt64, _ args: [String: Any] = [:]) {
            events.append(["name": name, "ph": "X", "pid": 1, "tid": tid, "ts": us(start), "dur": Double(end - start) / 1e3,
                           "args": args])
        }
        let workers = step.regions.map(\.workers).max() ?? 1
        events.append(["name": "thread_name", "ph": "M", "pid": 1, "tid": 0, "args": ["name": "model thread"]])
        for w in 0..<workers {
            events.append(["name": "thread_name", "ph": "M", "pid": 1, "tid": w + 1, "args": ["name": "worker \(w)"]])
        }
        var previous = step.start
        for region in step.regions {
            let name = region.stage.isEmpty ? region.name : region.stage + "/" + region.name
            if region.start > previous { span("serial", tid: 0, previous, region.start, ["before": name]) }
            span(name, tid: 0, region.start, region.end, ["tasks": region.tasks.count, "imbalance": imbalance(region)])
            for w in 0..<region.workers {
                let mine = region.tasks.filter { $0.worker == w }
                guard let first = mine.map(\.start).min(), let last = mine.map(\.end).max() else { continue }
                span(name, tid: Int(w) + 1, first, last, ["tasks": mine.count,
                                                           "cpu_us": mine.reduce(0.0) { $0 + Double($1.cpu) / 1e3 }])
            }
            previous = region.end
        }
        if step.end > previous { span("serial", tid: 0, previous, step.end) }
        return try JSONSerialization.data(withJSONObject: ["traceEvents": events, "displayTimeUnit": "ms"])
    }
}
