/// Seeded sources of the initial noise y0 [frames, melDim].
public enum NoiseGenerator: Codable, Equatable, Sendable {
    /// The same values as the reference with `torch.manual_seed(seed); torch.randn(frames, melDim)`
    /// (PyTorch CPU generator; uses only the low 32 bits of the seed, as torch does).
    case torch(seed: UInt64)
    /// The seed runtime's LCG + Box-Muller generator.
    case lcg(seed: UInt32)

    /// The generators by name, for options that choose one before the seed is known.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// PyTorch's CPU `torch.randn`: the same noise as the reference with the same seed.
        case torch
        /// The seed runtime's LCG with Box-Muller (32-bit seeds).
        case lcg
    }

    /// The generator of `kind` seeded with `seed` (the LCG takes its low 32 bits).
    public init(_ kind: Kind, seed: UInt64) {
        switch kind {
        case .torch: self = .torch(seed: seed)
        case .lcg: self = .lcg(seed: UInt32(truncatingIfNeeded: seed))
        }
    }

    /// `frames * channels` standard normals, frame-major.
    public func noise(frames: Int, channels: Int) -> [Float] {
        let count = frames * channels
        switch self {
        case let .torch(seed):
            return TorchGenerator.randn(seed: seed, count: count)
        case let .lcg(seed):
            return LCGGenerator.randn(seed: seed, count: count)
        }
    }
}

/// The initial noise of a synthesis: given values, or generated from a seed.
public enum Noise: Sendable {
    /// [frames, melDim] float32, used as is.
    case values([Float])
    case generator(NoiseGenerator)
}
