/// Joins chunk waveforms as `infer_batch_process` does: each join overlaps
/// n = min(int(duration · sampleRate), len(joined so far), len(next)) samples, the tail faded out with
/// `np.linspace(1, 0, n)` and the head faded in with `np.linspace(0, 1, n)`; n ≤ 0 or duration ≤ 0
/// concatenates. The reference does this in float64 (numpy upcasts), so the sum is kept in Double and only
/// the result is rounded to Float.
public func crossFade(_ waves: [[Float]], sampleRate: Int, duration: Double) -> [Float] {
    var joiner = CrossFader(sampleRate: sampleRate, duration: duration)
    var joined: [Float] = []
    for wave in waves { joined += joiner.append(wave) }
    return joined + joiner.finish()
}

/// `crossFade` one chunk at a time, for streaming: `append` returns the samples no later chunk can
/// change (all but the last fade length), `finish` the rest. The pieces concatenated equal `crossFade`.
public struct CrossFader: Sendable {
    private let fadeSamples: Int
    /// The joined samples not handed out yet (at most `fadeSamples` after each append), in Double.
    private var tail: [Double] = []
    private var joinedCount = 0

    public init(sampleRate: Int, duration: Double) {
        fadeSamples = duration > 0 ? max(PythonText.int(duration * Double(sampleRate)), 0) : 0
    }

    public mutating func append(_ wave: [Float]) -> [Float] {
        let n = joinedCount == 0 ? 0 : min(fadeSamples, joinedCount, wave.count)
        // The overlap only reaches into the held tail: n <= fadeSamples and the tail holds min(fadeSamples, joined).
        let start = tail.count - n
        for i in 0..<n {
            let (fadeOut, fadeIn) = linspaceFades(i, n)
            tail[start + i] = tail[start + i] * fadeOut + Double(wave[i]) * fadeIn
        }
        tail.append(contentsOf: wave[n...].lazy.map(Double.init))
        joinedCount += wave.count - n
        let ready = max(tail.count - fadeSamples, 0)
        defer { tail.removeFirst(ready) }
        return tail[..<ready].map { Float($0) }
    }

    public mutating func finish() -> [Float] {
        defer { tail = [] }
        return tail.map { Float($0) }
    }
}

/// Element i of `np.linspace(1, 0, n)` and `np.linspace(0, 1, n)`: `i * step + start` with
/// step = (stop - start) / (n - 1), the last element set to `stop`, and `[start]` when n == 1.
private func linspaceFades(_ i: Int, _ n: Int) -> (Double, Double) {
    guard n > 1 else { return (1, 0) }
    if i == n - 1 { return (0, 1) }
    let step = 1 / Double(n - 1)
    return (Double(i) * -step + 1, Double(i) * step)
}
