import F5Compute

/// Text-encoder block: depthwise conv k=7 -> LayerNorm (affine, eps 1e-6) -> Linear -> GELU (erf)
/// -> GRN -> Linear, plus the residual.
final class ConvNeXtV2Block: Sendable {
    let dim: Int
    let innerDim: Int
    let dwconv: DepthwiseConv1d
    let normWeight: [Float]
    let normBias: [Float]
    let pwconv1: Linear
    let grn: GRN
    let pwconv2: Linear

    init(_ weights: ModelWeights, index: Int, dim: Int, innerDim: Int) throws {
        let p = "text_embed.text_blocks.\(index)."
        self.dim = dim
        self.innerDim = innerDim
        dwconv = try DepthwiseConv1d(weights, p + "dwconv", channels: dim, kernelSize: 7)
        normWeight = try weights.floats(p + "norm.weight", shape: [dim])
        normBias = try weights.floats(p + "norm.bias", shape: [dim])
        pwconv1 = try weights.linear(p + "pwconv1", in: dim, out: innerDim)
        grn = try GRN(weights, p + "grn", dim: innerDim)
        pwconv2 = try weights.linear(p + "pwconv2", in: innerDim, out: dim)
    }

    /// In place on x [frames, dim]; `scratch` holds frames * (dim + innerDim) floats.
    func forward(_ x: UnsafeMutablePointer<Float>, frames: Int, scratch: UnsafeMutablePointer<Float>) {
        let h = scratch, inner = scratch + frames * dim
        dwconv.forward(x, frames: frames, into: h)
        normWeight.withUnsafeBufferPointer { g in
            normBias.withUnsafeBufferPointer { b in
                Elementwise.layerNorm(h, h, rows: frames, n: dim, eps: 1e-6, gamma: g.baseAddress, beta: b.baseAddress)
            }
        }
        pwconv1(h, rows: frames, into: inner)
        Pointwise.apply(Elementwise.geluErf, inner, count: frames * innerDim, name: "text_embed.gelu")
        grn.forward(inner, frames: frames)
        pwconv2(inner, rows: frames, into: h)
        for i in 0..<(frames * dim) { x[i] += h[i] }
    }
}
