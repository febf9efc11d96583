import F5Bundle

/// Floating-point work of one DiT forward pass for one batch item (1 multiply-add = 2 FLOPs),
/// so reports can turn seconds into throughput.
public struct DiTWorkload: Codable, Sendable {
    /// Linear layers and convolutions: grows with N.
    public var linearFLOPs: Double
    /// QKᵀ and softmax·V: grows with N².
    public var attentionFLOPs: Double
    public var total: Double { linearFLOPs + attentionFLOPs }

    public init(architecture a: F5Architecture, frames n: Int) {
        let N = Double(n), d = Double(a.dim), inner = Double(a.heads * a.dimHead), ff = Double(a.dim * a.ffMult)
        let perBlock = 3 * d * inner + inner * d + 2 * d * ff
        let inputProjection = Double(2 * a.melDim + a.textDim) * d
        let positionConvs = 2 * d * (d / Double(F5Architecture.positionConvGroups)) * Double(F5Architecture.positionConvKernel)
        let output = d * Double(a.melDim)
        linearFLOPs = 2 * N * (Double(a.depth) * perBlock + inputProjection + positionConvs + output)
        attentionFLOPs = Double(a.depth) * 4 * N * N * inner
    }
}
