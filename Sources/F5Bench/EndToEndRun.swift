import F5Audio
import F5Bundle
import F5Compute
import F5TTS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One backend measured end to end in this process: load once, then `repeats` syntheses of one text
/// (each preparing the voice anew), the median run reported. `options.fixedFrames` forces the sampled
/// length (single-chunk texts) so runs on different machines compare the same workload.
public struct EndToEndRun {
    public var model: String
    public var backend: BackendKind
    public var cacheBudgetBytes: Int?
    public var attention: AttentionKind?
    public var activations: ActivationPrecision?
    public var convention: F5Convention?
    public var reference: DecodedAudio
    public var referenceText: String
    public var text: String
    public var options: SynthesisOptions
    public var repeats: Int

    public init(model: String, backend: BackendKind, cacheBudgetBytes: Int? = nil, attention: AttentionKind? = nil,
                activations: ActivationPrecision? = nil, convention: F5Convention? = nil, reference: DecodedAudio, referenceText: String, text: String,
                options: SynthesisOptions, repeats: Int) {
        self.model = model; self.backend = backend; self.cacheBudgetBytes = cacheBudgetBytes; self.attention = attention
        self.activations = activations; self.convention = convention
        self.reference = reference
        self.referenceText = referenceText; self.text = text; self.options = options; self.repeats = repeats
    }

    /// What one backend's runs measured.
    public struct Outcome {
        public var measured: BackendResult
        /// The median run (for its audio).
        public var synthesis: SynthesisResult
        /// The first chunk's DiT workload and frames (reference included).
        public var workload: DiTWorkload
        public var frames: Int
        /// Audio, mel and one forward's stages, for comparing paths.
        public var outputs: PathOutputs
    }

    /// The run's model on its path, with `workers` lanes.
    func synthesizer(workers: Int = 1) throws -> Synthesizer {
        try Synthesizer(model: model, backend: backend, cacheBudgetBytes: cacheBudgetBytes, attention: attention,
                        activations: activations, convention: convention, workers: workers)
    }

    public func run(peaks: MachinePeaks) throws -> Outcome {
        let synthesizer = try synthesizer()
        var runs: [SynthesisResult] = []
        var voice: Voice?
        for _ in 0..<max(repeats, 1) {
            // Prepared anew each run: the timings include the reference's preparation.
            voice = try synthesizer.prepareVoice(audio: reference, name: "reference", transcript: referenceText)
            runs.append(try synthesizer.generate(text: text, voice: voice!, options: options))
        }
        let result = runs.sorted { $0.timings.total < $1.timings.total }[runs.count / 2]
        let firstAudio = try timeToFirstAudio(synthesizer)
        let architecture = synthesizer.model.architecture
        let chunkFrames = result.plan.chunks.map(\.frames)
        let workloads = chunkFrames.map { DiTWorkload(architecture: architecture, frames: $0) }
        let t = result.timings
        let medianStep = t.stepSeconds.sorted()[t.stepSeconds.count / 2]
        // Every step evaluates both CFG branches (a batch of 2) of its chunk.
        let flops = workloads.reduce(0) { $0 + 2 * $1.total * Double(options.steps) }
        let gflops = flops / t.stepSeconds.reduce(0, +) / 1e9
        let measured = BackendResult(
            backend: backend.rawValue, repeats: runs.count, stages: t, medianStepSeconds: medianStep,
            ditGFLOPS: gflops, fractionOfFP32Peak: gflops / peaks.fp32GFLOPS,
            fractionOfDotProductPeak: backend == .direct ? dotProductPeak(peaks, synthesizer).map { gflops / $0 } : nil,
            timeToFirstAudio: firstAudio, peakMemoryMB: Self.peakResidentMB(), attention: synthesizer.backend.attention.rawValue)
        let outputs = PathOutputs(audio: result.audio, mel: result.mel, probe: try synthesizer.probe(text: text, voice: voice!, options: options))
        return Outcome(measured: measured, synthesis: result, workload: workloads[0], frames: chunkFrames[0], outputs: outputs)
    }

    /// Seconds from asking for a streamed paragraph of `streamChunks` chunks (the server's way: a short
    /// first chunk, the voice prepared anew) to its first audio; the rest is not synthesized.
    func timeToFirstAudio(_ synthesizer: Synthesizer) throws -> Double {
        var options = self.options
        options.fixedFrames = nil
        options.shortFirstChunk = true
        let clock = Stopwatch()
        let voice = try synthesizer.prepareVoice(audio: reference, name: "reference", transcript: referenceText)
        let text = try Self.paragraph(chunks: Self.streamChunks, synthesizer: synthesizer, voice: voice, options: self.options)
        final class Box: Sendable { let result = Mutex<Result<Double, Error>>(.success(0)) }
        let box = Box(), done = DispatchSemaphore(value: 0)
        Task {
            do {
                // Leaving the loop drops the stream, which stops the synthesis within one step.
                for try await _ in synthesizer.stream(text: text, voice: voice, options: options) { break }
                box.result.withLock { $0 = .success(clock.elapsed) }
            } catch { box.result.withLock { $0 = .failure(error) } }
            done.signal()
        }
        done.wait()
        return try box.result.withLock { $0 }.get()
    }

    static let streamChunks = 4

    /// Sentences added until the one-shot plan has `chunks` chunks for this voice.
    static func paragraph(chunks: Int, synthesizer: Synthesizer, voice: Voice, options: SynthesisOptions) throws -> String {
        let sentences = ["The morning train was late again, so everyone waited on the cold platform.",
                         "A small dog watched the pigeons and barked at every one of them.",
                         "When the doors finally opened, the crowd moved in without a word.",
                         "Outside the window, the city slowly woke up under a grey sky."]
        var text = ""
        var options = options
        options.fixedFrames = nil
        for i in 0..<200 {
            let longer = text + (text.isEmpty ? "" : " ") + sentences[i % sentences.count]
            if try synthesizer.plan(text: longer, voice: voice, options: options).chunks.count > chunks { break }
            text = longer
        }
        return text
    }

    /// The dot-product peak of the width the direct path's activations use (nil when not measured).
    func dotProductPeak(_ peaks: MachinePeaks, _ synthesizer: Synthesizer) -> Double? {
        let peak = (activations ?? .int16) == .int16 ? peaks.int16GOPS : peaks.int8GOPS
        return peak.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Maximum resident set size of this process so far.
    public static func peakResidentMB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1024 / 1024  // bytes on Darwin
        #endif
    }
}
