import Dispatch
import F5Compute

/// Splits `0..<count` into one contiguous range per compute thread (the same budget OpenBLAS
/// uses; never called while a BLAS call runs).
func parallelRanges(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(ComputeThreads.count, count / max(1, minimumPerThread)))
    if parts == 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        body(count * part / parts ..< count * (part + 1) / parts)
    }
}
