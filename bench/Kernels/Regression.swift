import Foundation

/// The ratios of one measurement, one per round of interleaved samples: their median and spread.
struct RatioStats: Codable, Equatable {
    var median: Double
    /// Quartiles: the middle half of the rounds lies between them.
    var q1: Double, q3: Double
    var min: Double, max: Double
    /// Interquartile range over the median: how widely single rounds scatter.
    var spread: Double
    /// How far the median itself is likely off, relative: about `spread / sqrt(rounds)` (for normal
    /// noise the median's standard error is 0.93 IQR / sqrt(n)).
    var uncertainty: Double
    var rounds: Int
    /// Cores' worth of CPU other processes used on average while these were measured (nil: unknown).
    var otherCores: Double?

    init(_ ratios: [Double]) {
        precondition(!ratios.isEmpty, "no ratio measured")
        let sorted = ratios.sorted()
        median = quantile(sorted, 0.5)
        q1 = quantile(sorted, 0.25)
        q3 = quantile(sorted, 0.75)
        min = sorted[0]
        max = sorted[sorted.count - 1]
        spread = median > 0 ? (q3 - q1) / median : .infinity
        rounds = sorted.count
        uncertainty = spread / Double(rounds).squareRoot()
    }
}

/// Linear interpolation between the closest ranks of `sorted` (numpy's default), p in 0...1.
func quantile(_ sorted: [Double], _ p: Double) -> Double {
    let x = p * Double(sorted.count - 1)
    let i = Int(x), f = x - Double(i)
    return i + 1 < sorted.count ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i]
}

/// One measurement of a gated ratio compared with its baseline.
enum Verdict: String, Codable {
    /// The median is at or above the bar.
    case ok
    /// The median is below the bar and precise enough to say so (see `RegressionGate.verdict`).
    case regressed
    /// The median is below the bar, but too uncertain to tell.
    case unstable
    /// The median is below the bar, but other processes were using the cores meanwhile.
    case busy
}

enum GateOutcome: String, Codable {
    case pass
    /// Below the bar in every measurement.
    case regression
    /// Never clearly above the bar, and not clearly under it every time: reported, not gated.
    case unstable
}

/// The decision for one ratio. A shared machine makes single measurements lie, so a ratio is
/// measured again before it fails, and it fails only when every measurement says it regressed.
struct RegressionGate {
    /// Largest accepted fall, as a fraction of the baseline (0.25: fail below 75 % of it).
    var tolerance: Double
    /// Measurements of a ratio at most: the first and up to two more.
    var maxMeasurements = 3
    /// Above this many cores' worth of CPU taken by other processes, a measurement cannot fail: one
    /// slowed thread of a static split holds up the whole kernel, so even a part of one core matters.
    var maxOtherCores = 0.4

    func bar(_ baseline: Double) -> Double { baseline * (1 - tolerance) }

    /// Largest uncertainty of a median that may fail the check: a quarter of the tolerance, so that
    /// noise alone rarely carries a median from the baseline to under the bar.
    var maxUncertainty: Double { tolerance / 4 }

    /// A median under the bar counts as a regression only when it is precise enough, or when even the
    /// upper quartile of the rounds is under the bar, and never while other processes used the cores:
    /// interleaving cancels their noise but not the shift they cause, since two kernels that split
    /// their work differently over the threads lose different shares to a neighbour (up to the thread
    /// count: a 2-way static split waits for its slowed half, a dynamic one does not).
    func verdict(_ s: RatioStats, baseline: Double) -> Verdict {
        if s.median >= bar(baseline) { return .ok }
        if let others = s.otherCores, others > maxOtherCores { return .busy }
        if s.uncertainty <= maxUncertainty || s.q3 < bar(baseline) { return .regressed }
        return .unstable
    }

    /// Measure again while no measurement passed and some are left.
    func wantsAnotherMeasurement(_ verdicts: [Verdict]) -> Bool {
        !verdicts.contains(.ok) && verdicts.count < maxMeasurements
    }

    func outcome(_ verdicts: [Verdict]) -> GateOutcome {
        if verdicts.contains(.ok) { return .pass }
        if verdicts.count >= maxMeasurements && verdicts.allSatisfy({ $0 == .regressed }) { return .regression }
        return .unstable
    }
}

/// What the check compares against a stored report: only ratios measured within one run (kernel
/// over sgemm, direct over dequant, fused over plain attention), never absolute times, and only
/// where the work is large enough (M >= 256) for the ratio to be stable on a shared VM.
struct GatedRatio {
    var name: String
    var benchmark: Benchmark
    var baseline: Double
    /// Finds this ratio in a result of `benchmark`.
    var stats: (BenchmarkResult) -> RatioStats?

    static func all(in current: BenchmarkReport, baseline: BenchmarkReport) -> [GatedRatio] {
        var found: [GatedRatio] = []
        for r in current.linear where r.m >= 256 {
            guard let old = baseline.linear.first(where: { $0.m == r.m && $0.n == r.n && $0.k == r.k }) else { continue }
            let shape = "M=\(r.m) N=\(r.n) K=\(r.k)", benchmark = Benchmark.linear(m: r.m, n: r.n, k: r.k)
            found.append(GatedRatio(name: "\(shape) dequant-cached/sgemm", benchmark: benchmark, baseline: old.dequantCachedOverSgemm,
                                    stats: { $0.linear?.dequantCachedOverSgemmStats }))
            found.append(GatedRatio(name: "\(shape) direct/dequant", benchmark: benchmark, baseline: old.directOverDequant,
                                    stats: { $0.linear?.directOverDequantStats }))
        }
        for a in current.attention {
            guard let old = baseline.attention.first(where: { $0.n == a.n && $0.heads == a.heads && $0.headDim == a.headDim })
            else { continue }
            found.append(GatedRatio(name: "attention N=\(a.n) speedup", benchmark: .attention(n: a.n, heads: a.heads, headDim: a.headDim),
                                    baseline: old.speedup, stats: { $0.attention?.speedupStats }))
        }
        return found
    }
}

enum Regression {
    /// Judges every ratio on its first measurement (found by `first`), measures again those that did not
    /// pass (one run of a benchmark serves all its ratios) and returns each ratio's measurements and outcome.
    static func check(_ ratios: [GatedRatio], first: (Benchmark) -> BenchmarkResult, gate: RegressionGate,
                      measureAgain: (Benchmark) -> BenchmarkResult, log: (String) -> Void) -> [GateEntry] {
        var measured: [[RatioStats]] = ratios.map { ratio in ratio.stats(first(ratio.benchmark)).map { [$0] } ?? [] }
        func verdicts(_ i: Int) -> [Verdict] { measured[i].map { gate.verdict($0, baseline: ratios[i].baseline) } }
        while true {
            let pending = ratios.indices.filter { !measured[$0].isEmpty && gate.wantsAnotherMeasurement(verdicts($0)) }
            guard !pending.isEmpty else { break }
            var benchmarks: [Benchmark] = []
            for i in pending where !benchmarks.contains(ratios[i].benchmark) { benchmarks.append(ratios[i].benchmark) }
            for benchmark in benchmarks {
                let waiting = pending.filter { ratios[$0].benchmark == benchmark }
                let why = waiting.map { "\(ratios[$0].name) \(describe(measured[$0].last!)) under the bar \(ratio(gate.bar(ratios[$0].baseline)))" }
                log("measuring again (\(measured[waiting[0]].count + 1) of \(gate.maxMeasurements)): " + why.joined(separator: "; "))
                let result = measureAgain(benchmark)
                for i in waiting {
                    guard let s = ratios[i].stats(result) else { preconditionFailure("\(ratios[i].name) missing from its benchmark") }
                    measured[i].append(s)
                }
            }
        }
        return ratios.indices.compactMap { i in
            measured[i].isEmpty ? nil
                : GateEntry(ratio: ratios[i].name, baseline: ratios[i].baseline, measurements: measured[i], outcome: gate.outcome(verdicts(i)))
        }
    }
}
