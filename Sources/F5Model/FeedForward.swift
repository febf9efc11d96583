import F5Compute

/// Linear -> GELU (tanh approximation) -> Linear (dropout is inactive at inference).
final class FeedForward {
    let innerDim: Int
    let projectIn: Linear
    let projectOut: Linear

    init(_ weights: ModelWeights, block: Int, dim: Int, mult: Int) throws {
        let p = "transformer_blocks.\(block).ff.ff."
        innerDim = dim * mult
        projectIn = try weights.linear(p + "0.0", in: dim, out: innerDim)
        projectOut = try weights.linear(p + "2", in: innerDim, out: dim)
    }

    func forward(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, workspace w: DiTWorkspace) {
        projectIn(x, rows: rows, into: w.feedForward)
        Pointwise.apply(Elementwise.geluTanh, w.feedForward, count: rows * innerDim, name: "ff.gelu")
        projectOut(w.feedForward, rows: rows, into: out)
    }
}
