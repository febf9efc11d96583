/// How attention computes its scores (`--attention fp32|int8`).
public enum AttentionKind: String, Codable, CaseIterable, Sendable {
    /// Q·Kᵀ, softmax and P·V in fp32: the reference (and the dequant path's default).
    case fp32
    /// SageAttention's scheme: K smoothed by its mean over frames, Q and K quantized to int8 with one
    /// scale per row, Q·Kᵀ as exact integer dot products; softmax and P·V in fp32.
    case int8

    /// Largest magnitude of the quantized Q and K values.
    var quantizedMax: Int32 { 127 }

    /// The default for a linear path: the direct path's int8 attention (the faster one, within the
    /// fidelity of fp16 inference), fp32 for the dequant path (which matches the fp32 reference).
    public static func standard(for backend: BackendKind) -> AttentionKind {
        backend == .direct ? .int8 : .fp32
    }
}
