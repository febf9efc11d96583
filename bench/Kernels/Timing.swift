import Dispatch

/// How long to sample the kernels of one benchmark.
struct Sampling {
    /// Seconds of calls of each kernel in one round: many scheduler time slices, so one preemption by
    /// a neighbouring process moves a round little.
    var sampleSeconds: Double
    var minRounds: Int
    var maxRounds: Int
    /// No new round after this long (a loaded machine), once `minRounds` are in.
    var maxSeconds: Double
    /// Wanted precision of a median ratio (`RatioStats.uncertainty`): rounds are added until every
    /// watched ratio is that precise.
    var precision: Double

    static let quick = Sampling(sampleSeconds: 0.02, minRounds: 8, maxRounds: 60, maxSeconds: 4, precision: 0.02)
    static let full = Sampling(sampleSeconds: 0.05, minRounds: 6, maxRounds: 40, maxSeconds: 8, precision: 0.02)

    func isStable(_ s: RatioStats) -> Bool { s.uncertainty <= precision }
}

func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Wall seconds per call over `calls` back-to-back calls.
func timePerCall(_ calls: Int, _ body: () -> Void) -> Double {
    let start = seconds()
    for _ in 0..<calls { body() }
    return (seconds() - start) / Double(calls)
}

/// Seconds of the fastest of three calls, after a warm-up call (first touch of buffers, dequantized
/// tiles); the fastest, so that a preempted call does not count.
func fastestCall(_ body: () -> Void) -> Double {
    body()
    return (0..<3).map { _ in timePerCall(1, body) }.min()!
}

/// Seconds per call of each kernel, `[kernel][round]`. Within a round the kernels take turns: each
/// turn runs every kernel for about as long as one call of the slowest, in reverse order every other
/// turn (A B C, C B A, ...), so a slow spell of the machine falls on all of them alike and the
/// kernels of one round compare fairly. A round is `sampling.sampleSeconds` of each kernel. Rounds
/// are added until every ratio in `watch` (pairs of kernel indices, see `ratios(_:_:over:)`) is
/// stable, or the limits are hit.
func interleavedSamples(_ kernels: [() -> Void], watch: [(Int, Int)], sampling: Sampling) -> [[Double]] {
    let once = kernels.map { max(fastestCall($0), 1e-7) }
    let slowest = once.max()!
    let repeats = once.map { max(1, Int((slowest / $0).rounded())) }
    let turns = max(1, Int((sampling.sampleSeconds / slowest).rounded()))
    let forward = Array(kernels.indices), backward = Array(forward.reversed())
    var samples = [[Double]](repeating: [], count: kernels.count)
    let start = seconds()
    for round in 0..<sampling.maxRounds {
        var spent = [Double](repeating: 0, count: kernels.count)
        for turn in 0..<turns {
            for i in (round * turns + turn) % 2 == 0 ? forward : backward {
                let t0 = seconds()
                for _ in 0..<repeats[i] { kernels[i]() }
                spent[i] += seconds() - t0
            }
        }
        for i in kernels.indices { samples[i].append(spent[i] / Double(turns * repeats[i])) }
        guard round + 1 >= sampling.minRounds else { continue }
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
