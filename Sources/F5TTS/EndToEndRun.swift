import F5Audio
import F5Compute
import F5Text
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One backend measured end to end in this process: load once, then `repeats` syntheses of one text,
/// the median run reported. `frames` forces the sampled length (single-chunk texts) so runs on
/// different machines compare the same workload.
public struct EndToEndRun {
    public var model: String
    public var backend: BackendKind
    public var cacheBudgetBytes: Int?
    public var reference: DecodedAudio
    public var referenceText: String
    public var text: String
    public var frames: Int?
    public var options: SynthesisOptions
    public var repeats: Int

    public init(model: String, backend: BackendKind, cacheBudgetBytes: Int? = nil, reference: DecodedAudio, referenceText: String,
                text: String, frames: Int?, options: SynthesisOptions, repeats: Int) {
        self.model = model; self.backend = backend; self.cacheBudgetBytes = cacheBudgetBytes; self.reference = reference
        self.referenceText = referenceText; self.text = text; self.frames = frames; self.options = options; self.repeats = repeats
    }

    /// The median run's measurements, its result (for the audio), and the first chunk's DiT workload and frames.
    public func run(peaks: MachinePeaks) throws -> (BackendResult, Synthesizer.Result, DiTWorkload, frames: Int) {
        let loadStart = Date()
        let files = try ModelFiles.locate(model: model)
        let synthesizer = try Synthesizer(files: files, backend: makeLinearBackend(backend, cacheBudgetBytes: cacheBudgetBytes))
        let load = Date().timeIntervalSince(loadStart)
        var runs: [(StageTimes, Synthesizer.Result, [Int])] = []
        for _ in 0..<max(repeats, 1) {
            let start = Date()
            let prepared = try ReferenceAudio.prepare(reference, name: "reference")
            let referenceSeconds = Date().timeIntervalSince(start)
            let planStart = Date()
            var plan = try synthesizer.plan(reference: prepared, refText: referenceText, text: text, options: options)
            if let frames {
                guard plan.chunks.count == 1 else {
                    throw TextError.invalidArgument(name: "frames", expected: "a single-chunk text", found: "\(plan.chunks.count) chunks")
                }
                plan.chunks[0].frames = frames
            }
            let planSeconds = Date().timeIntervalSince(planStart)
            let result = try synthesizer.synthesize(reference: prepared, plan: plan, options: options)
            let t = result.timings
            let stages = StageTimes(load: load, text: planSeconds + t.text, reference: referenceSeconds + t.reference,
                                    sampling: t.sampling, vocoder: t.vocoder, total: load + Date().timeIntervalSince(start))
            runs.append((stages, result, plan.chunks.map(\.frames)))
        }
        let (stages, result, chunkFrames) = runs.sorted { $0.0.total < $1.0.total }[runs.count / 2]
        let architecture = synthesizer.model.architecture
        let workloads = chunkFrames.map { DiTWorkload(architecture: architecture, frames: $0) }
        let steps = result.timings.stepSeconds
        let medianStep = steps.sorted()[steps.count / 2]
        // Every step evaluates both CFG branches (a batch of 2) of its chunk.
        let flops = workloads.reduce(0) { $0 + 2 * $1.total * Double(options.steps) }
        let gflops = flops / steps.reduce(0, +) / 1e9
        let measured = BackendResult(
            backend: backend.rawValue, repeats: runs.count, stages: stages, stepSeconds: steps, medianStepSeconds: medianStep,
            audioSeconds: result.timings.audioSeconds, realTimeFactor: stages.total / max(result.timings.audioSeconds, 1e-9),
            ditGFLOPS: gflops, fractionOfFP32Peak: gflops / peaks.fp32GFLOPS,
            fractionOfInt8Peak: backend == .direct && peaks.int8GOPS > 0 ? gflops / peaks.int8GOPS : nil,
            peakMemoryMB: EndToEndRun.peakResidentMB())
        return (measured, result, workloads[0], chunkFrames[0])
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
