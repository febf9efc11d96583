import F5Compute
import Foundation

struct LinearResult: Codable {
    var m: Int, n: Int, k: Int
    /// GFLOP/s (2 M N K per call).
    var sgemm: Double
    var dequantFirstCall: Double
    var dequantCached: Double
    var direct: Double
    var dequantCachedOverSgemm: Double
    var directOverDequant: Double

    init(m: Int, n: Int, k: Int, sgemm: Double, dequantFirstCall: Double, dequantCached: Double, direct: Double) {
        self.m = m; self.n = n; self.k = k; self.sgemm = sgemm
        self.dequantFirstCall = dequantFirstCall; self.dequantCached = dequantCached; self.direct = direct
        dequantCachedOverSgemm = dequantCached / sgemm
        directOverDequant = direct / dequantCached
    }
}

struct AttentionResult: Codable {
    var n: Int, heads: Int, headDim: Int
    /// GFLOP/s (4 N^2 d per head) and milliseconds.
    var blockedGFLOPS: Double, materializedGFLOPS: Double
    var blockedMs: Double, materializedMs: Double
    var speedup: Double
}

struct BenchmarkReport: Codable {
    var environment: ComputeEnvironment
    var openBLASSelfCheck: OpenBLASSetup.SelfCheck
    var linear: [LinearResult]
    var attention: [AttentionResult]
}

func format(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
