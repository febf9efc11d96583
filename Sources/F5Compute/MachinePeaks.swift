import CKernels
import Foundation

/// This machine's measured compute peaks with every compute thread busy, so reports can state GEMM
/// throughput as a fraction of them. Measured, not looked up: VMs of one kind differ in CPU model.
public struct MachinePeaks: Codable, Sendable {
    public var threads: Int
    /// fp32 FMA throughput at the active vector width.
    public var fp32GFLOPS: Double
    /// int8 dot-product throughput (vpdpbusd), 0 where the direct path has no VNNI.
    public var int8GOPS: Double

    public init(threads: Int, fp32GFLOPS: Double, int8GOPS: Double) {
        self.threads = threads; self.fp32GFLOPS = fp32GFLOPS; self.int8GOPS = int8GOPS
    }

    public static func measure(threads: Int = ComputeThreads.count) -> MachinePeaks {
        let results = UnsafeMutableBufferPointer<(Double, Double)>.allocate(capacity: threads)
        defer { results.deallocate() }
        ComputeThreads.parallelFor("peaks", tasks: threads) { t in
            results[t] = (ck_peak_fp32_gflops(), ck_peak_int8_gops())
        }
        return MachinePeaks(threads: threads, fp32GFLOPS: results.reduce(0) { $0 + $1.0 },
                            int8GOPS: results.reduce(0) { $0 + $1.1 })
    }
}
