import F5Compute

/// Linear -> GELU (tanh approximation) -> Linear (dropout is inactive at inference), added to the residual
/// stream through its gate. Two regions: the GELU is applied to each tile of the first layer where it was
/// computed, the gated residual to each tile of the second.
final class FeedForward: Sendable {
    let innerDim: Int
    let projectIn: Linear
    let projectOut: Linear

    init(_ weights: ModelWeights, block: Int, dim: Int, mult: Int) throws {
        let p = "transformer_blocks.\(block).ff.ff."
        innerDim = dim * mult
        projectIn = try weights.linear(p + "0.0", in: dim, out: innerDim)
        projectOut = try weights.linear(p + "2", in: innerDim, out: dim)
    }

    /// `normalized(rows)` writes those rows of the input into `w.hidden`.
    func forward(normalized: @escaping (Range<Int>) -> Void, rows: Int, residual: Residual, workspace w: DiTWorkspace) {
        let inner = w.feedForward, innerDim = innerDim
        LinearOperation.run("ff.ff.0", layers: [projectIn.layer], input: w.hidden, rows: rows, outputs: [inner],
                            prepare: normalized, finish: { _, rows, columns in
            for r in rows {
                let block = inner + r * innerDim + columns.lowerBound
                Elementwise.geluTanh(block, block, count: columns.count)
            }
        })
        LinearOperation.run("ff.ff.2", layers: [projectOut.layer], input: inner, rows: rows, outputs: [w.branch],
                            finish: { _, rows, columns in residual.add(w.branch, rows: rows, columns: columns) })
    }
}
