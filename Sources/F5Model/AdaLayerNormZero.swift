import F5Compute

/// The block's AdaLN: Linear(SiLU(t_emb)) chunked as shift_msa, scale_msa, gate_msa, shift_mlp,
/// scale_mlp, gate_mlp; LayerNorm(x; eps 1e-6, no affine) * (1 + scale) + shift.
/// The modulation depends on t only, so it is computed once per synthesis for every step.
final class AdaLayerNormZero: Sendable {
    /// Chunk offsets (in units of dim) within one modulation row.
    enum Chunk: Int { case shiftMSA, onePlusScaleMSA, gateMSA, shiftMLP, onePlusScaleMLP, gateMLP }
    let dim: Int
    let linear: Linear

    init(_ weights: ModelWeights, block: Int, dim: Int) throws {
        self.dim = dim
        // 66 MB of Q4 weights over all blocks, used once per synthesis: not kept resident.
        linear = try weights.transientLinear("transformer_blocks.\(block).attn_norm.linear", in: dim, out: 6 * dim)
    }

    /// out [rows, 6 dim] from SiLU(t_emb) rows; the scale chunks store 1 + scale.
    func modulations(siluTime: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        linear(siluTime, rows: rows, into: out)
        for r in 0..<rows {
            for chunk in [Chunk.onePlusScaleMSA, .onePlusScaleMLP] {
                let scale = out + r * 6 * dim + chunk.rawValue * dim
                for c in 0..<dim { scale[c] += 1 }
            }
        }
    }

    /// LayerNorm(x) * (1 + scale) + shift, i.e. an affine LayerNorm with gamma 1 + scale, beta shift, on rows
    /// `rows` (a task of the caller's region).
    static func modulate(_ x: UnsafePointer<Float>, rows: Range<Int>, dim: Int, onePlusScale: UnsafePointer<Float>,
                         shift: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        Elementwise.layerNorm(x, out, rows: rows, n: dim, rowStride: dim, eps: 1e-6, gamma: onePlusScale, beta: shift)
    }
}
