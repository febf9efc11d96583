import Dispatch

/// Best wall time of `body` over at least `minRuns` runs and `minSeconds` in total (best-of
/// filters the noise of shared machines; ratios are taken within one run of the program).
func bestTime(minRuns: Int = 3, minSeconds: Double = 0.3, _ body: () -> Void) -> Double {
    var best = Double.infinity, total = 0.0, runs = 0
    while runs < minRuns || total < minSeconds {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        best = min(best, seconds)
        total += seconds
        runs += 1
    }
    return best
}
