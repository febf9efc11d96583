/// The output AdaLN: Linear(SiLU(t_emb)) chunked as scale, shift (reverse of the block's order).
final class AdaLayerNormFinal: Sendable {
    let dim: Int
    let linear: Linear

    init(_ weights: ModelWeights, dim: Int) throws {
        self.dim = dim
        linear = try weights.transientLinear("norm_out.linear", in: dim, out: 2 * dim)
    }

    /// out [rows, 2 dim]: 1 + scale, then shift.
    func modulations(siluTime: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        linear(siluTime, rows: rows, into: out)
        for r in 0..<rows {
            for c in 0..<dim { out[r * 2 * dim + c] += 1 }
        }
    }

    /// Rows `rows` of LN(x) * (1 + scale) + shift (a task of the caller's region).
    func forward(_ x: UnsafePointer<Float>, rows: Range<Int>, modulation: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        AdaLayerNormZero.modulate(x, rows: rows, dim: dim, onePlusScale: modulation, shift: modulation + dim, into: out)
    }
}
