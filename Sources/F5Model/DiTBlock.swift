import F5Bundle
import F5Compute
/// x += gate_msa * Attention(AdaLN(x)); x += gate_mlp * FeedForward(LN(x) * (1 + scale_mlp) + shift_mlp).
/// Each LayerNorm runs inside the pass that prepares the next linear layers' input, and each gated residual
/// inside the last linear layer's region, on the tiles it computes.
final class DiTBlock: Sendable {
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
        func chunk(_ c: C) -> UnsafePointer<Float> { m + c.rawValue * dim }
        func norm(_ scale: C, _ shift: C) -> (Range<Int>) -> Void {
            { [dim] rows in AdaLayerNormZero.modulate(x, rows: rows, dim: dim, onePlusScale: chunk(scale), shift: chunk(shift), into: w.hidden) }
        }
        attn.forward(normalized: norm(.onePlusScaleMSA, .shiftMSA), frames: frames, batch: batch, rope: rope,
                     residual: Residual(x: x, gate: chunk(.gateMSA), dim: dim), workspace: w)
        ff.forward(normalized: norm(.onePlusScaleMLP, .shiftMLP), rows: batch * frames,
                   residual: Residual(x: x, gate: chunk(.gateMLP), dim: dim), workspace: w)
    }
}

/// The residual stream x [rows, dim] a sub-layer's output is added to, times a per-channel gate.
struct Residual {
    let x: UnsafeMutablePointer<Float>
    let gate: UnsafePointer<Float>
    let dim: Int

    /// x += gate * y on one tile of y [rows, dim].
    func add(_ y: UnsafePointer<Float>, rows: Range<Int>, columns: Range<Int>) {
        Elementwise.addGated(x, y, gate: gate, rows: rows, columns: columns, n: dim)
    }
}
