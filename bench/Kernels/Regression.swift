import Foundation

/// Ratio checks against a stored report: only ratios measured in one run (kernel over sgemm, direct over
/// dequant, fused over plain attention), never absolute times, and only where the work is large enough
/// (M >= 256) for the ratio to be stable on a shared VM.
enum Regression {
    static func check(_ current: BenchmarkReport, against baseline: BenchmarkReport, tolerance: Double) -> [String] {
        var found: [String] = []
        func compare(_ what: String, _ now: Double, _ before: Double) {
            if now < before * (1 - tolerance) { found.append("\(what): \(format(now, 2)) against \(format(before, 2))") }
        }
        for r in current.linear where r.m >= 256 {
            guard let old = baseline.linear.first(where: { $0.m == r.m && $0.n == r.n && $0.k == r.k }) else { continue }
            compare("M=\(r.m) N=\(r.n) K=\(r.k) dequant-cached/sgemm", r.dequantCachedOverSgemm, old.dequantCachedOverSgemm)
            compare("M=\(r.m) N=\(r.n) K=\(r.k) direct/dequant", r.directOverDequant, old.directOverDequant)
        }
        for a in current.attention {
            guard let old = baseline.attention.first(where: { $0.n == a.n && $0.heads == a.heads && $0.headDim == a.headDim }) else { continue }
            compare("attention N=\(a.n) speedup", a.speedup, old.speedup)
        }
        return found
    }
}
