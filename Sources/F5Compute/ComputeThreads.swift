import COpenBLAS
import Dispatch
import Foundation

/// One thread budget shared by OpenBLAS and our own parallel loops, so the two pools never
/// run at the same time with more threads than cores.
public enum ComputeThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var configured = ProcessInfo.processInfo.activeProcessorCount

    /// Worker count of our loops and of OpenBLAS.
    public static var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return configured
    }

    /// Sets both pools to `n` threads (`nil`: all cores).
    public static func configure(_ n: Int? = nil) {
        let threads = max(1, n ?? ProcessInfo.processInfo.activeProcessorCount)
        lock.lock()
        configured = threads
        lock.unlock()
        openblas_set_num_threads(Int32(threads))
    }

    /// Threads OpenBLAS reports it will use.
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body(i)` for i in 0..<tasks on up to `count` threads.
    public static func parallelFor(_ tasks: Int, _ body: (Int) -> Void) {
        if tasks <= 1 || count <= 1 {
            for i in 0..<tasks { body(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: tasks, execute: body)
        }
    }

    /// Splits `0..<count` into one contiguous range per thread, each at least `minimumPerThread` long
    /// (never called while a BLAS call runs: the two pools share one budget).
    public static func parallelRanges(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(Self.count, count / max(1, minimumPerThread)))
        parallelFor(parts) { part in body(count * part / parts ..< count * (part + 1) / parts) }
    }

    /// Runs `body` with OpenBLAS single-threaded, for loops that call sgemm from each worker.
    /// Calls that change OpenBLAS threads must come from one thread at a time (the model thread).
    static func withSingleThreadedBLAS<T>(_ body: () -> T) -> T {
        let threads = count
        if threads > 1 { openblas_set_num_threads(1) }
        defer { if threads > 1 { openblas_set_num_threads(Int32(threads)) } }
        return body()
    }
}
