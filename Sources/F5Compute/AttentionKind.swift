import CKernels

/// How attention computes (`--attention fp32|int8`).
public enum AttentionKind: String, Codable, CaseIterable, Sendable {
    /// Q·Kᵀ, softmax and P·V in fp32: the reference (and the dequant path's default).
    case fp32
    /// SageAttention's scheme: K smoothed by its mean over frames, Q and K quantized to int8 with one
    /// scale per row, Q·Kᵀ as exact integer dot products; softmax in fp32; P·V with P rounded to 14 bits
    /// and V (minus its channel means) to 12 bits per channel, in integers (ck_attention_int_head).
    case int8

    /// Largest magnitude of the quantized Q and K values.
    var quantizedMax: Int32 { 127 }

    /// The default for a linear path. The dequant path keeps fp32 (it matches the fp32 reference). The
    /// direct path takes int8: within the fidelity of fp16 inference, 1.6x the blocked fp32 attention on
    /// AVX2, and on AVX512-VNNI (u8 x s8 vpdpbusd scores, vpdpwssd P·V on zmm) faster than the fused AVX-512
    /// fp32 kernel too.
    public static func standard(for backend: BackendKind) -> AttentionKind {
        backend == .direct ? .int8 : .fp32
    }
}
