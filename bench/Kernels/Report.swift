import F5Compute
import Foundation

struct LinearResult: Codable {
    var m: Int, n: Int, k: Int
    /// GFLOP/s (2 M N K per call), from the median time per call.
    var sgemm: Double
    var dequantFirstCall: Double
    var dequantCached: Double
    /// The direct path with int16 (default) and int8 activations; int8 is absent in older reports.
    var direct: Double
    var directInt8: Double?
    /// Medians of the per-round ratios (see `RatioStats`).
    var dequantCachedOverSgemm: Double
    var directOverDequant: Double
    /// Absent in reports written before ratios were sampled in rounds.
    var dequantCachedOverSgemmStats: RatioStats?
    var directOverDequantStats: RatioStats?
}

struct AttentionResult: Codable {
    var n: Int, heads: Int, headDim: Int
    /// GFLOP/s (4 N^2 d per head) and milliseconds, from the median time per call.
    var blockedGFLOPS: Double, materializedGFLOPS: Double
    var blockedMs: Double, materializedMs: Double
    /// Median of the per-round ratios materialized time / blocked time.
    var speedup: Double
    var speedupStats: RatioStats?
    /// The int8 kernel (same blocking): GFLOP/s-equivalent, milliseconds, and the per-round ratio
    /// fp32 blocked time / int8 time. Absent in reports from before it existed.
    var int8GFLOPS: Double?
    var int8Ms: Double?
    var int8Speedup: Double?
    var int8SpeedupStats: RatioStats?
}

/// One checked ratio as the check saw it: each measurement (the first and any repeats) and the outcome.
struct GateEntry: Codable {
    var ratio: String
    var baseline: Double
    var measurements: [RatioStats]
    var outcome: GateOutcome
}

struct BenchmarkReport: Codable {
    var environment: ComputeEnvironment
    var openBLASSelfCheck: OpenBLASSetup.SelfCheck
    /// False for a debug build (C kernels at -O0): its ratios say nothing about a release build's.
    /// Absent in older reports, which were all optimised builds.
    var optimized: Bool?
    /// The dot-product peaks measured in the same run (absent in older reports).
    var peaks: MachinePeaks?
    var linear: [LinearResult]
    var attention: [AttentionResult]
    /// The ratio check against `--baseline`, when one was given and applied.
    var gate: [GateEntry]?
}

func format(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
func percent(_ x: Double) -> String { format(100 * x) + " %" }
func cores(_ x: Double) -> String { format(x, 2) + " cores" }
func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }

/// Three significant digits, so that small ratios (debug builds) still read.
func ratio(_ x: Double) -> String { x >= 100 ? format(x, 0) : String(format: "%#.3g", x) }

/// "0.990x [0.970-1.01]": the median and the interquartile range of the per-round ratios.
func describe(_ s: RatioStats) -> String { ratio(s.median) + "x [" + ratio(s.q1) + "-" + ratio(s.q3) + "]" }
