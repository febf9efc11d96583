import Dispatch

/// How long to sample the kernels of one benchmark.
struct Sampling {
    /// Seconds of back-to-back calls in one sample: many scheduler time slices, so one preemption by a
    /// neighbouring process moves a sample little.
    var sampleSeconds: Double
    var minRounds: Int
    var maxRounds: Int
    /// No new round after this long (a loaded machine), once `minRounds` are in.
    var maxSeconds: Double
    /// Wanted precision of a median ratio, relative: the median of n ratios moves by about IQR / sqrt(n)
    /// from one measurement to the next, so rounds are added until that is below this.
    var precision: Double

    static let quick = Sampling(sampleSeconds: 0.02, minRounds: 8, maxRounds: 60, maxSeconds: 4, precision: 0.02)
    static let full = Sampling(sampleSeconds: 0.05, minRounds: 6, maxRounds: 40, maxSeconds: 15, precision: 0.02)

    func isStable(_ s: RatioStats) -> Bool { s.spread / Double(s.rounds).squareRoot() <= precision }
}

func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Wall seconds per call over `calls` back-to-back calls.
func timePerCall(_ calls: Int, _ body: () -> Void) -> Double {
    let start = seconds()
    for _ in 0..<calls { body() }
    return (seconds() - start) / Double(calls)
}

/// Calls that make one sample last about `target` seconds, after a warm-up call (first touch of
/// buffers, dequantized tiles). The fastest of three timed calls, so a preempted one does not count.
func callsPerSample(_ body: () -> Void, target: Double) -> Int {
    body()
    var fastest = Double.infinity
    for _ in 0..<3 {
        fastest = min(fastest, timePerCall(1, body))
        if fastest >= target { break }
    }
    return max(1, Int((target / fastest).rounded()))
}

/// Seconds per call of each kernel, `[kernel][round]`. A round times every kernel once, in reverse
/// order every other round (A B C, C B A, ...), so a slow spell of the machine falls on all of them
/// alike and the kernels of one round compare fairly. Rounds are added until every ratio in
/// `watch` (pairs of kernel indices, see `ratios(_:_:over:)`) is stable, or the limits are hit.
func interleavedSamples(_ kernels: [() -> Void], watch: [(Int, Int)], sampling: Sampling) -> [[Double]] {
    let calls = kernels.map { callsPerSample($0, target: sampling.sampleSeconds) }
    var samples = [[Double]](repeating: [], count: kernels.count)
    let start = seconds()
    for round in 0..<sampling.maxRounds {
        let order = round % 2 == 0 ? Array(kernels.indices) : kernels.indices.reversed()
        for i in order { samples[i].append(timePerCall(calls[i], kernels[i])) }
        let rounds = round + 1
        guard rounds >= sampling.minRounds else { continue }
        if seconds() - start >= sampling.maxSeconds { break }
        if watch.allSatisfy({ sampling.isStable(RatioStats(ratios(samples, $0.0, over: $0.1))) }) { break }
    }
    return samples
}

/// Per-round throughput ratios of kernel `a` over kernel `b` (time of b / time of a: above 1 when a is faster).
func ratios(_ samples: [[Double]], _ a: Int, over b: Int) -> [Double] {
    zip(samples[b], samples[a]).map { $0 / $1 }
}

/// The median of `values` (any order).
func median(_ values: [Double]) -> Double { quantile(values.sorted(), 0.5) }
