import F5Compute

/// Runs an fp32 pointwise kernel (x, y, count) in place over `count` values as one region of chunks
/// (the kernels are vectorised in place; threads matter for the large activations).
enum Pointwise {
    static let chunk = 4096

    static func apply(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                      _ x: UnsafeMutablePointer<Float>, count: Int, name: String) {
        ComputeThreads.parallelChunks(name, count: count, grain: chunk, bytes: 8 * count) { range in
            kernel(x + range.lowerBound, x + range.lowerBound, range.count)
        }
    }
}
