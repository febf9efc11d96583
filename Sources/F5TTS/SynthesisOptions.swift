import F5Bundle
import F5Model
import Foundation

/// What a synthesis does, with the reference pipeline's defaults (or the bundle's, when its manifest
/// carries inference settings). Codable so programs can store and pass it around.
public struct SynthesisOptions: Codable, Equatable, Sendable {
    public var steps = 8
    public var cfgStrength = 2.0
    public var swaySamplingCoef: Double? = -1
    public var speed = 1.0
    /// Total seconds (reference included), replacing the duration rule.
    public var fixedDuration: Double?
    public var crossFadeDuration = 0.15
    public var method: ODEMethod = .euler
    /// Seed of the initial noise; chunk i uses seed + i.
    public var seed: UInt64 = 0
    public var noiseGenerator: NoiseGeneratorKind = .torch

    public enum NoiseGeneratorKind: String, Codable, CaseIterable, Sendable {
        /// PyTorch's CPU `torch.randn`: the same noise as the reference with the same seed.
        case torch
        /// The seed runtime's LCG with Box-Muller.
        case lcg
    }

    public init() {}

    /// The defaults, overridden by the settings a bundle's manifest recommends.
    public init(recommended settings: InferenceSettings?) {
        if let s = settings {
            steps = s.nfeSteps ?? steps
            cfgStrength = s.cfgStrength ?? cfgStrength
            swaySamplingCoef = s.swaySamplingCoef ?? swaySamplingCoef
            speed = s.speed ?? speed
        }
    }

    var samplerOptions: SamplerOptions {
        SamplerOptions(steps: steps, cfg: Float(cfgStrength), sway: swaySamplingCoef.map { Float($0) }, method: method)
    }

    func noise(chunk: Int) -> NoiseGenerator {
        let chunkSeed = seed &+ UInt64(chunk)
        switch noiseGenerator {
        case .torch: return .torch(seed: chunkSeed)
        case .lcg: return .lcg(seed: UInt32(truncatingIfNeeded: chunkSeed))
        }
    }
}

/// Where one synthesis spent its time (seconds), with the real-time factor as a first-class field.
public struct SynthesisTimings: Codable, Sendable {
    public var load = 0.0
    /// Planning (normalisation, tokens, chunks) and the text embeddings.
    public var text = 0.0
    /// Reading, trimming and resampling the reference, and its mel spectrogram.
    public var reference = 0.0
    /// Input conditioning and time modulation cached before the steps.
    public var preparation = 0.0
    public var stepSeconds: [Double] = []
    /// The sampler without the text embeddings: preparation and every step.
    public var sampling = 0.0
    public var vocoder = 0.0
    public var total = 0.0
    public var audioSeconds = 0.0
    public var backend = ""
    public var threads = 0
    public var openBLASCore = ""

    /// Processing time over audio time (below 1 is faster than real time).
    public var realTimeFactor: Double { audioSeconds > 0 ? total / audioSeconds : 0 }
    public var meanStepSeconds: Double { stepSeconds.isEmpty ? 0 : stepSeconds.reduce(0, +) / Double(stepSeconds.count) }

    public var summary: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return "load \(f(load)) s, text \(f(text)) s, reference \(f(reference)) s, preparation \(f(preparation)) s, "
            + "\(stepSeconds.count) steps at \(f(meanStepSeconds)) s, vocoder \(f(vocoder)) s, total \(f(total)) s "
            + "for \(String(format: "%.2f", audioSeconds)) s of audio (RTF \(String(format: "%.2f", realTimeFactor))), "
            + "backend \(backend), \(threads) threads, OpenBLAS \(openBLASCore)"
    }
}
