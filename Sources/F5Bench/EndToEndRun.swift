import F5TTS
import Foundation
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
    public var convention: F5Convention?
    public var reference: DecodedAudio
    public var referenceText: String
    public var text: String
    public var options: SynthesisOptions
    public var repeats: Int

    public init(model: String, backend: BackendKind, cacheBudgetBytes: Int? = nil, convention: F5Convention? = nil,
                reference: DecodedAudio, referenceText: String, text: String, options: SynthesisOptions, repeats: Int) {
        self.model = model; self.backend = backend; self.cacheBudgetBytes = cacheBudgetBytes; self.convention = convention
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
    }

    public func run(peaks: MachinePeaks) throws -> Outcome {
        let synthesizer = try Synthesizer(model: model, backend: backend, cacheBudgetBytes: cacheBudgetBytes, convention: convention)
        var runs: [SynthesisResult] = []
        for _ in 0..<max(repeats, 1) {
            let voice = try synthesizer.prepareVoice(audio: reference, name: "reference", transcript: referenceText)
            runs.append(try synthesizer.generate(text: text, voice: voice, options: options))
        }
        let result = runs.sorted { $0.timings.total < $1.timings.total }[runs.count / 2]
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
            fractionOfInt8Peak: backend == .direct && peaks.int8GOPS > 0 ? gflops / peaks.int8GOPS : nil,
            peakMemoryMB: Self.peakResidentMB())
        return Outcome(measured: measured, synthesis: result, workload: workloads[0], frames: chunkFrames[0])
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
