import F5Audio
import F5Bundle
import F5Compute
import F5Model
import F5Text
import Foundation

/// Text to speech with the reference pipeline's steps: reference audio prepared and turned into a mel,
/// text normalised, tokenized and chunked, each chunk sampled by the flow-matching DiT and vocoded,
/// the chunks cross-faded.
public final class Synthesizer {
    public let files: ModelFiles
    public let vocabulary: Vocabulary
    public let model: DiT
    public let vocoder: Vocoder
    public let backend: any LinearBackend
    private let melSpec: MelSpec

    /// Progress of a running synthesis: chunk (0-based) of chunks, step (1-based) of steps.
    public struct Progress: Sendable {
        public var chunk: Int, chunks: Int, step: Int, steps: Int
    }

    /// The audio, the combined mel as the reference assembles it, and where the time went.
    public struct Result: Sendable {
        public var audio: [Float]
        public var sampleRate: Int
        /// [melDim, frames] channel-major, as the reference's combined spectrogram.
        public var mel: [Float]
        public var melFrames: Int
        public var timings: SynthesisTimings
    }

    public init(files: ModelFiles, backend: any LinearBackend) throws {
        self.files = files
        self.backend = backend
        vocabulary = try Vocabulary(data: Data(files.vocabularyText.utf8), source: files.vocabularySource)
        model = try DiT(bundle: files.f5, backend: backend)
        vocoder = try Vocoder(bundle: files.vocoder, backend: backend)
        let a = model.architecture
        melSpec = MelSpec(sampleRate: a.sampleRate, nFFT: vocoder.architecture.nFFT, hopLength: vocoder.architecture.hopLength, nMels: a.melDim)
    }

    /// The chunks, their token ids and frame counts, exactly as the reference plans them.
    public func plan(reference: PreparedReference, refText: String, text: String, options: SynthesisOptions) throws -> SynthesisPlan {
        try SynthesisPlan(refText: refText, genText: text,
                          reference: ReferenceLength(samples: reference.samples.count, sourceSamples: reference.sourceFrames,
                                                     sourceSampleRate: reference.sourceSampleRate),
                          vocabulary: vocabulary, speed: options.speed, fixDuration: options.fixedDuration,
                          crossFadeDuration: options.crossFadeDuration)
    }

    /// Runs a plan. `noise` ([frames, melDim]) replaces the generated noise of a single-chunk plan.
    public func synthesize(reference: PreparedReference, plan: SynthesisPlan, options: SynthesisOptions, noise: [Float]? = nil,
                           progress: ((Progress) -> Void)? = nil) throws -> Result {
        let start = Date()
        var timings = SynthesisTimings()
        let melDim = model.architecture.melDim
        if let noise {
            guard plan.chunks.count == 1 else {
                throw ModelError.invalidArgument(argument: "noise", expected: "a single-chunk text", found: "\(plan.chunks.count) chunks")
            }
            guard noise.count == plan.chunks[0].frames * melDim else {
                throw ModelError.invalidArgument(argument: "noise", expected: "[\(plan.chunks[0].frames), \(melDim)] (the planned frames)",
                                                 found: "\(noise.count / melDim) frames")
            }
        }
        let referenceStart = Date()
        let (cond, condFrames) = try melSpec(reference.samples)
        timings.reference = Date().timeIntervalSince(referenceStart)
        // The reference keeps generated frames from samples // hop on: one frame of the reference mel stays.
        let keepFrom = reference.samples.count / melSpec.hopLength
        let sampler = FlowSampler(model: model)
        var waves: [[Float]] = []
        var melParts: [(values: ArraySlice<Float>, frames: Int)] = []
        for (index, chunk) in plan.chunks.enumerated() {
            let result = try sampler.sample(
                cond: cond, condFrames: condFrames, textIDs: chunk.tokenIDs, totalFrames: chunk.frames, options: options.samplerOptions,
                noise: noise.map { .values($0) } ?? .generator(options.noise(chunk: index))) { step, steps in
                progress?(Progress(chunk: index, chunks: plan.chunks.count, step: step, steps: steps))
            }
            let preparation = result.timings.preparation
            timings.text += preparation.textEmbeddingSeconds
            timings.preparation += preparation.inputConditioningSeconds + preparation.timeModulationSeconds
            timings.stepSeconds += result.timings.stepSeconds
            timings.sampling += result.timings.totalSeconds - preparation.textEmbeddingSeconds
            let generated = result.mel[(keepFrom * melDim)...]
            let frames = result.frames - keepFrom
            let vocoderStart = Date()
            var wave = try vocoder.decode(mel: Array(generated), frames: frames)
            timings.vocoder += Date().timeIntervalSince(vocoderStart)
            reference.restoreLoudness(&wave)
            waves.append(wave)
            melParts.append((generated, frames))
        }
        let audio = crossFade(waves, sampleRate: vocoder.architecture.sampleRate, duration: options.crossFadeDuration)
        let (mel, melFrames) = Synthesizer.channelMajor(melParts, melDim: melDim)
        timings.total = Date().timeIntervalSince(start)
        timings.audioSeconds = Double(audio.count) / Double(vocoder.architecture.sampleRate)
        timings.backend = backend.name
        timings.threads = ComputeThreads.count
        timings.openBLASCore = OpenBLASSetup.coreName
        return Result(audio: audio, sampleRate: vocoder.architecture.sampleRate, mel: mel, melFrames: melFrames, timings: timings)
    }

    /// Frame-major chunks concatenated along time into one [melDim, frames] array.
    static func channelMajor(_ parts: [(values: ArraySlice<Float>, frames: Int)], melDim: Int) -> ([Float], Int) {
        let total = parts.reduce(0) { $0 + $1.frames }
        var out = [Float](repeating: 0, count: melDim * total)
        var offset = 0
        for part in parts {
            let base = part.values.startIndex
            for t in 0..<part.frames {
                for c in 0..<melDim { out[c * total + offset + t] = part.values[base + t * melDim + c] }
            }
            offset += part.frames
        }
        return (out, total)
    }
}
