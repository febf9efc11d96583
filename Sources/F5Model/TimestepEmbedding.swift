import F5Compute
import Foundation

/// Sinusoidal embedding of the flow time (scale 1000), then Linear -> SiLU -> Linear.
final class TimestepEmbedding: Sendable {
    static let frequencyDim = 256
    let dim: Int
    let timeMLP0: Linear
    let timeMLP2: Linear

    init(_ weights: ModelWeights, dim: Int) throws {
        self.dim = dim
        timeMLP0 = try weights.linear("time_embed.time_mlp.0", in: Self.frequencyDim, out: dim)
        timeMLP2 = try weights.linear("time_embed.time_mlp.2", in: dim, out: dim)
    }

    /// SinusPositionEmbedding(256): [sin(1000 t f_j), cos(1000 t f_j)], f_j = exp(-j ln(10000)/127),
    /// in float32 like torch (1000 * t is rounded before the product with f_j).
    static func sinusoid(_ t: Float, into out: UnsafeMutablePointer<Float>) {
        let half = frequencyDim / 2
        let step = Float(log(10000.0) / Double(half - 1))
        let scaled = 1000 * t
        for j in 0..<half {
            let frequency = Float(exp(Double(Float(j) * -step)))
            let angle = scaled * frequency
            out[j] = sin(angle)
            out[half + j] = cos(angle)
        }
    }

    /// One embedding row per time in `times`: `out` is [times.count, dim].
    func forward(_ times: [Float], into out: UnsafeMutablePointer<Float>) {
        let rows = times.count
        let sinusoids = FloatBuffer(rows * Self.frequencyDim), hidden = FloatBuffer(rows * dim)
        for (r, t) in times.enumerated() { Self.sinusoid(t, into: sinusoids.pointer + r * Self.frequencyDim) }
        timeMLP0(sinusoids.pointer, rows: rows, into: hidden.pointer)
        Pointwise.apply(Elementwise.silu, hidden.pointer, count: rows * dim, name: "time_embed.time_mlp.1")
        timeMLP2(hidden.pointer, rows: rows, into: out)
    }
}
