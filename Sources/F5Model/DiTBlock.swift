import F5Bundle
import F5Compute
/// x += gate_msa * Attention(AdaLN(x)); x += gate_mlp * FeedForward(LN(x) * (1 + scale_mlp) + shift_mlp).
final class DiTBlock {
    let dim: Int
    let attnNorm: AdaLayerNormZero
    let attn: SelfAttention
    let ff: FeedForward

    init(_ weights: ModelWeights, index: Int, architecture a: F5Architecture) throws {
        dim = a.dim
        attnNorm = try AdaLayerNormZero(weights, block: index, dim: a.dim)
        attn = try SelfAttention(weights, block: index, architecture: a, kind: weights.backend.attention)
        ff = try FeedForward(weights, block: index, dim: a.dim, mult: a.ffMult)
    }

    /// In place on x [batch * frames, dim]; `modulation` is this step's 6 * dim row.
    func forward(_ x: UnsafeMutablePointer<Float>, frames: Int, batch: Int, modulation m: UnsafePointer<Float>,
                 rope: RotaryEmbedding.Table, workspace w: DiTWorkspace) {
        typealias C = AdaLayerNormZero.Chunk
        let rows = batch * frames
        func chunk(_ c: C) -> UnsafePointer<Float> { m + c.rawValue * dim }

        AdaLayerNormZero.modulate(x, rows: rows, dim: dim, onePlusScale: chunk(.onePlusScaleMSA), shift: chunk(.shiftMSA),
                                  into: w.hidden, name: "attn_norm")
        attn.forward(w.hidden, frames: frames, batch: batch, rope: rope, into: w.branch, workspace: w)
        Elementwise.addGated(x, w.branch, gate: chunk(.gateMSA), rows: rows, n: dim, name: "attn.gate_residual")

        AdaLayerNormZero.modulate(x, rows: rows, dim: dim, onePlusScale: chunk(.onePlusScaleMLP), shift: chunk(.shiftMLP),
                                  into: w.hidden, name: "ff_norm")
        ff.forward(w.hidden, rows: rows, into: w.branch, workspace: w)
        Elementwise.addGated(x, w.branch, gate: chunk(.gateMLP), rows: rows, n: dim, name: "ff.gate_residual")
    }
}
