import Foundation

/// Seeded random weights in the exact shapes of a model, written through `BundleWriter`.
/// Real weights cannot be shipped, so these bundles are the built-in default for demos and benchmarks.
/// Values follow PyTorch's default initialisation scale (uniform ±1/√fan_in) so activations stay finite.
public enum SyntheticWeights {
    public enum Preset: String, CaseIterable, Sendable {
        case base, tiny

        public var f5: F5Architecture {
            switch self {
            case .base: return .base
            case .tiny:
                return F5Architecture(name: "F5TTS CFM DiT", dim: 64, depth: 2, heads: 4, dimHead: 16, ffMult: 2, textDim: 32,
                                      convLayers: 2, melDim: 100, sampleRate: 24000, peAttnHead: 1, textMaskPadding: false)
            }
        }

        public var vocos: VocosArchitecture {
            switch self {
            case .base: return .mel24kHz
            case .tiny: return VocosArchitecture(inputChannels: 100, dim: 64, intermediateDim: 192, numLayers: 2, nFFT: 1024,
                                                 hopLength: 256, padding: "center", sampleRate: 24000)
            }
        }
    }

    /// Vocabulary size of F5TTS_Base (`infer/examples/vocab.txt`).
    public static let vocabularySize = 2545

    public static func writeF5(_ architecture: F5Architecture, seed: UInt64, to folder: String) throws {
        let writer = try BundleWriter(folder: folder)
        for spec in architecture.tensorSpecs(vocabularySize: vocabularySize) {
            try add(spec, seed: seed, to: writer)
        }
        try writer.finish(format: BundleFormat.f5, head: ManifestHead.f5(
            modelID: "f5tts-synthetic-seed\(seed)", source: "synthetic random weights, seed \(seed)",
            stateKey: "model_state_dict", architecture: architecture))
    }

    public static func writeVocos(_ architecture: VocosArchitecture, seed: UInt64, to folder: String) throws {
        let writer = try BundleWriter(folder: folder)
        for spec in architecture.tensorSpecs where spec.required {
            try add(spec, seed: seed, to: writer)
        }
        try writer.finish(format: BundleFormat.vocos, head: ManifestHead.vocos(
            modelID: "vocos-synthetic-seed\(seed)", source: "synthetic random weights, seed \(seed)", architecture: architecture))
    }

    private static func add(_ spec: TensorSpec, seed: UInt64, to writer: BundleWriter) throws {
        let count = spec.shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        let name = spec.name
        let isNormWeight = name.hasSuffix("norm.weight") || name.hasSuffix("layer_norm.weight")
        if name.hasSuffix("inv_freq") {
            // The rotary buffer is not random: 1 / 10000^(2i/d).
            for i in 0..<count { values[i] = 1 / pow(10000, Float(2 * i) / Float(2 * count)) }
        } else if isNormWeight {
            values = [Float](repeating: 1, count: count)
        } else {
            let fanIn = spec.shape.count >= 2 ? spec.shape.dropFirst().reduce(1, *) : (spec.name.contains("text_embed.text_embed") ? 1 : 64)
            let bound = name.contains("text_embed.text_embed") ? Float(1) : 1 / Float(fanIn).squareRoot()
            var rng = SplitMix64(seed: seed ^ fnv1a(name))
            values.withUnsafeMutableBufferPointer { out in
                for i in 0..<count { out[i] = (rng.nextUnitFloat() * 2 - 1) * bound }
            }
        }
        try values.withUnsafeBufferPointer { try writer.add(name: spec.name, shape: spec.shape, values: $0) }
    }

    private static func fnv1a(_ s: String) -> UInt64 {
        s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// A small, fast, seedable generator (Steele, Lea & Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }
}
