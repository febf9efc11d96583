import COpenBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Synchronization

/// The runtime's threads: every parallel region of a step runs here, in tasks that call OpenBLAS
/// single-threaded where they multiply in fp32. One pool owns the cores; OpenBLAS's own threads are only
/// used where a benchmark asks for them (`withOpenBLASThreads`).
public enum ComputeThreads {
    /// OpenBLAS goes single-threaded before the first region: tasks call it from every worker.
    private static let configured: Mutex<Int> = {
        openblas_set_num_threads(1)
        return Mutex(ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Worker count of the regions run by the calling thread: its own budget (`withThreads`), else its share
    /// of the cores among syntheses running side by side (`CoreSharing`), else the process's.
    public static var count: Int {
        let process = configured.withLock { $0 }  // also makes OpenBLAS single-threaded before the first region
        if let own = pthread_getspecific(budgetKey) { return Int(bitPattern: own) }
        if let sharing = pthread_getspecific(sharingKey) {
            return Unmanaged<CoreSharing>.fromOpaque(sharing).takeUnretainedValue().share(of: process)
        }
        return process
    }

    /// A thread's own budget (tests, the trace's cost measurements).
    private static let budgetKey = makeKey()
    /// The `CoreSharing` whose share the thread's regions take.
    private static let sharingKey = makeKey()

    private static func makeKey() -> pthread_key_t {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key left for the compute budget")
        return key
    }

    /// Runs `body` with regions of at most `threads` workers on this thread (results are the same on any count).
    public static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(budgetKey)
        pthread_setspecific(budgetKey, UnsafeRawPointer(bitPattern: max(1, threads)))
        defer { pthread_setspecific(budgetKey, previous) }
        return try body()
    }

    /// Runs `body` with regions sized by `sharing`, which outlives the call.
    static func withSharing<T>(_ sharing: CoreSharing, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(sharingKey)
        pthread_setspecific(sharingKey, Unmanaged.passUnretained(sharing).toOpaque())
        defer { pthread_setspecific(sharingKey, previous) }
        return try body()
    }

    /// Sets the regions to `n` threads (`nil`: all cores) and OpenBLAS to one.
    public static func configure(_ n: Int? = nil) {
        let threads = max(1, n ?? ProcessInfo.processInfo.activeProcessorCount)
        configured.withLock { $0 = threads }
        openblas_set_num_threads(1)
    }

    /// Threads OpenBLAS reports it will use.
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }

    /// One parallel region: runs `body(task)` for every task in 0..<tasks on up to `count` threads.
    /// Workers take the tasks in order from a shared counter, so one slowed down by other load does not hold
    /// the rest up. Callers cut their work by its size alone, never by the thread count: every result is then
    /// the same on any number of threads, and a recorded region replays for any thread count (`StepTrace`).
    /// `name` names the region in traces; `bytes` is the memory it streams when it is bandwidth-bound (0 when
    /// its operands stay in cache), for the trace's projection.
    public static func parallelFor(_ name: String, tasks: Int, bytes: Int = 0, _ body: (Int) -> Void) {
        guard tasks > 0 else { return }
        let workers = min(count, tasks)
        if let recorder = StepTrace.recorder {
            let region = StepTrace.Recorder.Open(name: name, tasks: tasks, workers: workers, bytes: bytes)
            distribute(tasks: tasks, workers: workers) { worker, task in region.run(worker, task, body) }
            recorder.close(region)
        } else {
            distribute(tasks: tasks, workers: workers) { _, task in body(task) }
        }
    }

    /// Tasks handed out in order to `workers` threads (the caller's thread alone when there is one).
    private static func distribute(tasks: Int, workers: Int, _ body: (Int, Int) -> Void) {
        if workers <= 1 {
            for task in 0..<tasks { body(0, task) }
            return
        }
        let next = TaskCounter()
        withoutActuallyEscaping(body) { body in
            let region = RegionBody(run: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while let task = next.take(below: tasks) { region.run(worker, task) }
            }
        }
    }

    /// A region's body on the pool's threads. Unchecked: concurrentPerform returns only when every worker has
    /// finished (a fork/join), so the body never outlives its caller, and callers cut their tasks so that each
    /// writes its own part of the outputs.
    private struct RegionBody: @unchecked Sendable {
        let run: (Int, Int) -> Void
    }

    /// `count` items cut into pieces of `grain` (the last one shorter), one task each: a split by size only.
    public static func parallelChunks(_ name: String, count: Int, grain: Int, bytes: Int = 0, _ body: (Range<Int>) -> Void) {
        let grain = max(1, grain)
        parallelFor(name, tasks: (count + grain - 1) / grain, bytes: bytes) { task in
            body(task * grain ..< min(count, (task + 1) * grain))
        }
    }

    /// Runs `body` with OpenBLAS on `count` threads of its own: for baselines that measure OpenBLAS's
    /// threading (benchmarks, the plain attention twin), never inside a region.
    public static func withOpenBLASThreads<T>(_ body: () -> T) -> T {
        openblas_set_num_threads(Int32(count))
        defer { openblas_set_num_threads(1) }
        return body()
    }
}

/// Syntheses that run side by side and split the cores between them. Each region of each takes the cores
/// divided by how many run when the region starts, rounded up: all of them for one running alone, an even
/// split while several run. Regions cut their work by size alone, so a share that changes in the middle
/// of a synthesis leaves its bits unchanged.
public final class CoreSharing: Sendable {
    private let running = Atomic<Int>(0)

    public init() {}

    /// Runs `body` as one of the syntheses sharing the cores.
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        running.add(1, ordering: .relaxed)
        defer { running.subtract(1, ordering: .relaxed) }
        return try ComputeThreads.withSharing(self, body)
    }

    /// Syntheses running now.
    public var runningCount: Int { running.load(ordering: .relaxed) }

    func share(of cores: Int) -> Int {
        let running = max(1, runningCount)
        return max(1, (cores + running - 1) / running)
    }
}

/// Hands out 0, 1, 2, ... to concurrent workers.
final class TaskCounter: Sendable {
    private let value = Atomic<Int>(0)

    func take(below limit: Int) -> Int? {
        let task = value.wrappingAdd(1, ordering: .relaxed).oldValue
        return task < limit ? task : nil
    }
}
