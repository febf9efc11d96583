import F5Bundle
import F5Compute
/// proj(concat(x, cond, text)) then the convolutional position embedding added back.
/// proj is linear, so it is split by columns: the cond + text part (with the bias) is computed once
/// per synthesis and branch (`conditioning`), only the x part runs every step.
final class InputEmbedding: Sendable {
    let melDim: Int
    let textDim: Int
    let dim: Int
    /// Columns 0..<melDim of proj, no bias.
    let xProj: Linear
    /// Columns melDim..<2 melDim + textDim of proj, with its bias.
    let condTextProj: Linear
    let convPosEmbed: ConvPositionEmbedding

    init(_ weights: ModelWeights, architecture a: F5Architecture) throws {
        melDim = a.melDim
        textDim = a.textDim
        dim = a.dim
        let inFeatures = 2 * a.melDim + a.textDim
        let weight = try weights.q4("input_embed.proj.weight", shape: [a.dim, inFeatures])
        let bias = try weights.floats("input_embed.proj.bias", shape: [a.dim])
        xProj = Linear(weights.backend.prepare(weight.slice(rows: 0..<a.dim, cols: 0..<a.melDim), bias: nil), name: "input_embed.proj.x")
        condTextProj = Linear(weights.backend.prepare(weight.slice(rows: 0..<a.dim, cols: a.melDim..<inFeatures), bias: bias),
                              name: "input_embed.proj.cond_text")
        convPosEmbed = try ConvPositionEmbedding(weights, dim: a.dim)
    }

    /// base [frames, dim] = proj([0 | cond | text]); `cond` nil is the dropped (zero) audio condition.
    /// `scratch` holds frames * (melDim + textDim) floats.
    func conditioning(cond: UnsafePointer<Float>?, text: UnsafePointer<Float>, frames: Int,
                      into base: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let width = melDim + textDim
        for t in 0..<frames {
            let row = scratch + t * width
            if let cond { row.update(from: cond + t * melDim, count: melDim) } else { row.update(repeating: 0, count: melDim) }
            (row + melDim).update(from: text + t * textDim, count: textDim)
        }
        condTextProj(scratch, rows: frames, into: base)
    }

    /// h [batch * frames, dim] = base_b + proj_x(x), then h + convPosEmbed(h) into `out`.
    /// x is shared by the branches (the same noisy mel for cond and uncond).
    func forward(x: UnsafePointer<Float>, base: UnsafePointer<Float>, frames: Int, batch: Int,
                 into out: UnsafeMutablePointer<Float>, workspace w: DiTWorkspace) {
        let branchCount = frames * dim, h = w.hidden, xProjection = w.branch
        xProj(x, rows: frames, into: xProjection)
        ComputeThreads.parallelChunks("input_embed.add_base", count: batch * frames, grain: Elementwise.taskRows,
                                      bytes: 12 * batch * branchCount) { rows in
            for r in rows {
                let hr = h + r * dim, baseR = base + r * dim, projection = xProjection + r % frames * dim
                for c in 0..<dim { hr[c] = baseR[c] + projection[c] }
            }
        }
        convPosEmbed.forward(h, frames: frames, batch: batch, into: out, hidden: w.branch)
    }
}
