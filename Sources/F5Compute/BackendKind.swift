/// The Q4 linear execution paths selectable at run time (`--backend dequant|direct`).
public enum BackendKind: String, Codable, CaseIterable, Sendable {
    /// Rows dequantized to fp32 tiles (cached under a budget), then OpenBLAS sgemm.
    case dequant
    /// int4 weights x int16 (or int8) activations with AVX2 / VNNI kernels, no fp32 weight copy.
    case direct

    /// The default path on this CPU: direct wherever its integer kernels are vectorised (AVX2 and up: with
    /// int16 activations as fast as the dequant path on a 2-core AVX2 machine at half its memory, with int8
    /// ones 1.9x faster); dequant elsewhere, where OpenBLAS still has SIMD kernels.
    public static var fastest: BackendKind { ComputeISA.active >= .avx2 ? .direct : .dequant }
}

/// Makes the backend for `kind`. `cacheBudgetBytes` only matters for `.dequant`
/// (nil: `DequantBLASBackend.defaultCacheBudgetBytes`, 256 MiB); `attention` nil: the path's own (`AttentionKind.standard(for:)`);
/// `activations` only matters for `.direct` (nil: int16).
public func makeLinearBackend(_ kind: BackendKind, cacheBudgetBytes: Int? = nil, attention: AttentionKind? = nil,
                              activations: ActivationPrecision? = nil) -> any LinearBackend {
    let attention = attention ?? .standard(for: kind)
    switch kind {
    case .dequant: return DequantBLASBackend(cacheBudgetBytes: cacheBudgetBytes, attention: attention)
    case .direct: return DirectInt4Backend(attention: attention, activations: activations ?? .int16)
    }
}
