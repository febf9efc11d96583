import CKernels
import Foundation

/// This machine's measured compute peaks with every compute thread busy, so reports can state GEMM
/// throughput as a fraction of them. Measured, not looked up: VMs of one kind differ in CPU model.
public struct MachinePeaks: Codable, Sendable {
    public var threads: Int
    /// fp32 FMA throughput at the active vector width.
    public var fp32GFLOPS: Double
    /// The int8 and int16 GEMMs' dot-product steps (`ck_peak_int8_gops`, `ck_peak_int16_gops`); int16 is absent
    /// in reports from before it was measured.
    public var int8GOPS: Double
    public var int16GOPS: Double?

    public init(threads: Int, fp32GFLOPS: Double, int8GOPS: Double, int16GOPS: Double?) {
        self.threads = threads; self.fp32GFLOPS = fp32GFLOPS; self.int8GOPS = int8GOPS; self.int16GOPS = int16GOPS
    }

    public static func measure(threads: Int = ComputeThreads.count) -> MachinePeaks {
        let results = UnsafeMutableBufferPointer<(Double, Double, Double)>.allocate(capacity: threads)
        defer { results.deallocate() }
        ComputeThreads.parallelFor("peaks", tasks: threads) { t in
            results[t] = (ck_peak_fp32_gflops(), ck_peak_int8_gops(), ck_peak_int16_gops())
        }
        return MachinePeaks(threads: threads, fp32GFLOPS: results.reduce(0) { $0 + $1.0 },
                            int8GOPS: results.reduce(0) { $0 + $1.1 }, int16GOPS: results.reduce(0) { $0 + $1.2 })
    }
}
