import F5Bundle
import F5Compute

/// Multi-head self-attention without mask: to_q / to_k / to_v, RoPE, softmax(q k^T / sqrt(d)) v
/// per batch item, to_out.
final class SelfAttention {
    let heads: Int
    let headDim: Int
    let toQ: Linear
    let toK: Linear
    let toV: Linear
    let toOut: Linear
    let rotary: RotaryEmbedding
    let kind: AttentionKind

    init(_ weights: ModelWeights, block: Int, architecture a: F5Architecture, kind: AttentionKind) throws {
        let p = "transformer_blocks.\(block).attn."
        let inner = a.heads * a.dimHead
        heads = a.heads
        headDim = a.dimHead
        toQ = try weights.linear(p + "to_q", in: a.dim, out: inner)
        toK = try weights.linear(p + "to_k", in: a.dim, out: inner)
        toV = try weights.linear(p + "to_v", in: a.dim, out: inner)
        toOut = try weights.linear(p + "to_out.0", in: inner, out: a.dim)
        rotary = RotaryEmbedding(headDim: a.dimHead, rotatedHeads: a.ropeHeads)
        self.kind = kind
    }

    /// out [batch * frames, dim] from x [batch * frames, dim]. To save buffers, x is consumed (once
    /// to_q / to_k / to_v have read it, it holds the per-head outputs) and the query lives in `out`
    /// until to_out: both hold batch * frames * max(dim, inner) floats.
    func forward(_ x: UnsafeMutablePointer<Float>, frames: Int, batch: Int, rope: RotaryEmbedding.Table,
                 into out: UnsafeMutablePointer<Float>, workspace w: DiTWorkspace) {
        let rows = batch * frames, inner = heads * headDim
        let query = out
        toQ(x, rows: rows, into: query)
        toK(x, rows: rows, into: w.key)
        toV(x, rows: rows, into: w.value)
        rotary.apply(query, w.key, frames: frames, batch: batch, rowStride: inner, table: rope)
        Attention.forward(q: query, k: w.key, v: w.value, out: x, n: frames, heads: heads, headDim: headDim, batch: batch,
                          kind: kind, name: "attn.attention")
        toOut(x, rows: rows, into: out)
    }
}
