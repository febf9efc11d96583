import F5Bundle
import F5Compute

/// Multi-head self-attention without mask: to_q / to_k / to_v, RoPE, softmax(q k^T / sqrt(d)) v
/// per batch item, to_out.
final class SelfAttention: Sendable {
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

    /// x += gate * to_out(attention(q, k, v)) in three regions: `normalized(rows)` writes those rows of the input
    /// into `w.hidden` ahead of to_q / to_k / to_v (one region for the three, RoPE applied to each tile of q and k
    /// where it was computed), the attention writes its per-head outputs over `w.hidden`, and to_out's tiles
    /// are added to the residual stream where they are computed. The query lives in `w.branch` until then.
    func forward(normalized: @escaping (Range<Int>) -> Void, frames: Int, batch: Int, rope: RotaryEmbedding.Table,
                 residual: Residual, workspace w: DiTWorkspace) {
        let rows = batch * frames, inner = heads * headDim
        let query = w.branch, key = w.key, rotary = rotary
        LinearOperation.run("attn.to_qkv", layers: [toQ.layer, toK.layer, toV.layer], input: w.hidden, rows: rows,
                            outputs: [query, key, w.value], prepare: normalized, finish: { layer, rows, columns in
            if layer < 2 { rotary.apply(layer == 0 ? query : key, rows: rows, columns: columns, frames: frames, rowStride: inner, table: rope) }
        })
        Attention.forward(q: query, k: key, v: w.value, out: w.hidden, n: frames, heads: heads, headDim: headDim, batch: batch,
                          kind: kind, name: "attn.attention")
        LinearOperation.run("attn.to_out", layers: [toOut.layer], input: w.hidden, rows: rows, outputs: [w.branch],
                            finish: { _, rows, columns in residual.add(w.branch, rows: rows, columns: columns) })
    }
}
