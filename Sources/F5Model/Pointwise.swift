import F5Compute

/// Runs an fp32 pointwise kernel (x, y, count) in place over `count` values, in chunks spread over all
/// compute threads (the kernels are vectorised in place; threads matter for the large activations).
enum Pointwise {
    static let chunk = 4096

    static func apply(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                      _ x: UnsafeMutablePointer<Float>, count: Int) {
        let chunks = (count + chunk - 1) / chunk
        ComputeThreads.parallelRanges(chunks, minimumPerThread: 8) { range in
            for c in range {
                let start = c * chunk
                kernel(x + start, x + start, min(chunk, count - start))
            }
        }
    }
}
