/// Seeded sources of the initial noise y0 [frames, melDim].
public enum NoiseGenerator: Codable, Equatable, Sendable {
    /// The same values as the reference with `torch.manual_seed(seed); torch.randn(frames, melDim)`
    /// (PyTorch CPU generator; uses only the low 32 bits of the seed, as torch does).
    case torch(seed: UInt64)
    /// The seed runtime's LCG + Box-Muller generator.
    case lcg(seed: UInt32)

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
