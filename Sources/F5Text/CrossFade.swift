/// Joins chunk waveforms as `infer_batch_process` does: each join overlaps
/// n = min(int(duration · sampleRate), len(joined so far), len(next)) samples, the tail faded out with
/// `np.linspace(1, 0, n)` and the head faded in with `np.linspace(0, 1, n)`; n ≤ 0 or duration ≤ 0
/// concatenates. The reference does this in float64 (numpy upcasts), so the sum is kept in Double and only
/// the result is rounded to Float.
public func crossFade(_ waves: [[Float]], sampleRate: Int, duration: Double) -> [Float] {
    var joined: [Double] = []
    joined.reserveCapacity(waves.reduce(0) { $0 + $1.count })
    let fadeSamples = duration > 0 ? PythonText.int(duration * Double(sampleRate)) : 0
    for (index, wave) in waves.enumerated() {
        let n = index == 0 ? 0 : min(fadeSamples, joined.count, wave.count)
        if n > 0 {
            let start = joined.count - n
            for i in 0..<n {
                let (fadeOut, fadeIn) = linspaceFades(i, n)
                joined[start + i] = joined[start + i] * fadeOut + Double(wave[i]) * fadeIn
            }
        }
        joined.append(contentsOf: wave[max(n, 0)...].lazy.map(Double.init))
    }
    return joined.map { Float($0) }
}

/// Element i of `np.linspace(1, 0, n)` and `np.linspace(0, 1, n)`: `i * step + start` with
/// step = (stop - start) / (n - 1), the last element set to `stop`, and `[start]` when n == 1.
private func linspaceFades(_ i: Int, _ n: Int) -> (Double, Double) {
    guard n > 1 else { return (1, 0) }
    if i == n - 1 { return (0, 1) }
    let step = 1 / Double(n - 1)
    return (Double(i) * -step + 1, Double(i) * step)
}
