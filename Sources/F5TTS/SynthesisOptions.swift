import F5Audio
import F5Bundle
import F5Model
import Foundation

/// What a synthesis does, with the reference pipeline's defaults (or the bundle's, when its manifest
/// carries inference settings). Codable with F5-TTS's own field names (`nfe_step`, `cfg_strength`, ...),
/// every field optional when decoding; the names, ranges and checks are `SynthesisSetting.all`'s.
public struct SynthesisOptions: Codable, Equatable, Sendable {
    /// Sampling steps (`nfe_step`).
    public var steps = SamplerOptions.defaultSteps
    /// Classifier-free guidance strength (`cfg_strength`).
    public var cfgStrength = 2.0
    /// Sway sampling coefficient (`sway_sampling_coef`); nil for none.
    public var swaySamplingCoef: Double? = -1
    /// Speaking speed (`speed`): the duration rule divides by it.
    public var speed = 1.0
    /// Total seconds, reference included, replacing the duration rule (`fix_duration`).
    public var fixedDuration: Double?
    /// Total mel frames of a single-chunk text, reference included: `fixedDuration` in frames, for
    /// benchmarks that must sample the same workload on every machine.
    public var fixedFrames: Int?
    /// Seconds over which consecutive chunks are cross-faded (`cross_fade_duration`).
    public var crossFadeDuration = 0.15
    /// Quiet references are raised to this RMS, and the output lowered back (`target_rms`).
    public var targetRMS = 0.1
    /// Long silences cut from the result as `infer_cli --remove_silence` does (`remove_silence`).
    public var removeSilence = false
    /// The ODE solver (`ode_method`).
    public var method: ODEMethod = .euler
    /// Seed of the initial noise; chunk i uses seed + i.
    public var seed: UInt64 = 0
    /// Where the initial noise comes from.
    public var noiseGenerator: NoiseGenerator.Kind = .torch
    /// Splits the first text chunk again at a quarter of the chunk size, as F5-TTS's socket server does,
    /// so the first audio of a stream comes sooner. Off by default: the reference's one-shot plan.
    public var shortFirstChunk = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case steps = "nfe_step", cfgStrength = "cfg_strength", swaySamplingCoef = "sway_sampling_coef", speed
        case fixedDuration = "fix_duration", fixedFrames = "fixed_frames", crossFadeDuration = "cross_fade_duration"
        case targetRMS = "target_rms", removeSilence = "remove_silence", method = "ode_method", seed
        case noiseGenerator = "noise_generator", shortFirstChunk = "short_first_chunk"
    }

    /// Absent fields keep their defaults; the table's settings are checked as every front end checks them.
    public init(from decoder: Decoder) throws {
        self.init()
        try apply(SynthesisSetting.values(in: decoder))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fixedFrames = try c.decodeIfPresent(Int.self, forKey: .fixedFrames)
        noiseGenerator = try c.decodeIfPresent(NoiseGenerator.Kind.self, forKey: .noiseGenerator) ?? noiseGenerator
        shortFirstChunk = try c.decodeIfPresent(Bool.self, forKey: .shortFirstChunk) ?? shortFirstChunk
    }

    var samplerOptions: SamplerOptions {
        SamplerOptions(steps: steps, cfg: Float(cfgStrength), sway: swaySamplingCoef.map { Float($0) }, method: method)
    }

    func noise(chunk: Int) -> NoiseGenerator { NoiseGenerator(noiseGenerator, seed: seed &+ UInt64(chunk)) }
}

/// Where one synthesis spent its time, all values in seconds, from loading the model to the last sample.
public struct SynthesisTimings: Codable, Equatable, Sendable {
    /// Finding, mapping and validating the bundles and building the model (once per `Synthesizer`).
    public var load = 0.0
    /// Reading, trimming and resampling the reference, and its mel spectrogram (once per `Voice`).
    public var reference = 0.0
    /// Planning (normalisation, tokens, chunks) and the text embeddings.
    public var text = 0.0
    /// Input conditioning and time modulation cached before the steps.
    public var preparation = 0.0
    /// Wall time of every sampling step, all chunks in order.
    public var stepSeconds: [Double] = []
    /// The sampler without the text embeddings: preparation and every step.
    public var sampling = 0.0
    /// Vocos on every chunk's mel.
    public var vocoder = 0.0
    /// Everything above and the cross-fades, end to end.
    public var total = 0.0
    /// Length of the audio produced.
    public var audioSeconds = 0.0

    public init() {}

    /// Processing time over audio time (below 1 is faster than real time), load included.
    public var realTimeFactor: Double { audioSeconds > 0 ? total / audioSeconds : 0 }
    /// The average sampling step.
    public var meanStepSeconds: Double { stepSeconds.isEmpty ? 0 : stepSeconds.reduce(0, +) / Double(stepSeconds.count) }

    /// The stages in report order, with their names.
    public static let stageNames = ["load", "text", "reference", "sampling", "vocoder"]
    /// The values of `stageNames`, in that order.
    public var stages: [Double] { [load, text, reference, sampling, vocoder] }

    /// One line for logs: every stage, the steps, the total and the real-time factor.
    public var summary: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return "load \(f(load)) s, text \(f(text)) s, reference \(f(reference)) s, preparation \(f(preparation)) s, "
            + "\(stepSeconds.count) steps at \(f(meanStepSeconds)) s, vocoder \(f(vocoder)) s, total \(f(total)) s "
            + "for \(String(format: "%.2f", audioSeconds)) s of audio (RTF \(String(format: "%.2f", realTimeFactor)))"
    }
}
