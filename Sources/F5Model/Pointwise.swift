/// Runs an fp32 pointwise kernel (x, y, count) in place, in L1-sized chunks through a scratch buffer,
/// on all compute threads. Why a scratch: the CKernels loops are vectorised only when input and output
/// do not overlap; called in place they take their scalar path (~25x slower).
enum Pointwise {
    static let chunk = 4096

    static func apply(_ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                      _ x: UnsafeMutablePointer<Float>, count: Int) {
        let chunks = (count + chunk - 1) / chunk
        parallelRanges(chunks, minimumPerThread: 8) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { scratch in
                let s = scratch.baseAddress!
                for c in range {
                    let start = c * chunk, n = min(chunk, count - start)
                    kernel(x + start, s, n)
                    (x + start).update(from: s, count: n)
                }
            }
        }
    }
}
