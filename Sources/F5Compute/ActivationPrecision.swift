import CKernels

/// How the direct path quantizes the input rows of its linear layers (`--activations int16|int8`).
public enum ActivationPrecision: String, Codable, CaseIterable, Sendable {
    /// One scale per row, values to ±32767 (ck_quantize_rows16): the default. On a small F5 trained on
    /// speech, per-row int8 inputs fall 9-17 dB short of PyTorch fp16 inference against fp32, and finer
    /// int8 scales (blocks of 32) recover only 2-4 dB; 16 bits per row are far above fp16 (the trained
    /// fixture's tests). The GEMM multiplies int16 pairs (vpdpwssd on zmm or with AVX-VNNI, vpmaddwd + vpaddd on AVX2): about twice the int8 work.
    case int16
    /// One scale per row, values to ±127 (ck_quantize_rows): the fastest, for comparisons.
    case int8

    /// Bytes of one quantized row of `paddedK` values.
    func rowBytes(paddedK: Int) -> Int { self == .int16 ? 2 * paddedK : paddedK }
}
