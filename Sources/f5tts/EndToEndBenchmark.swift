import ArgumentParser
import F5Audio
import F5Bench
import F5Bundle
import F5Compute
import F5TTS
import Foundation

/// Runs each backend in a child process of this executable (so each one's peak memory is its own),
/// collects their results and writes the report (Markdown, JSON, SVG) into a folder.
struct EndToEndBenchmark {
    var model: String
    var convention: F5Convention?
    var backends: [BackendKind]
    var frames: Int?
    var steps: Int
    var repeats: Int
    var text: String
    var compute: ComputeOptions
    var outputFolder: String
    /// Where the chosen backend's audio goes (demo), if anywhere.
    var audioPath: String?
    var referencePython: String?
    /// Where the last backend's child writes one traced step (Chrome trace JSON), if anywhere.
    var tracePath: String?
    var bandwidthCapGBs = 80.0
    /// Also measure the last backend with 1 ... this many syntheses side by side.
    var workers: Int?

    func run() throws -> BenchmarkReport {
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        let peaks = MachinePeaks.measure()
        var results: [BackendResult] = []
        var last: ChildResult?
        for backend in backends {
            let resultPath = (outputFolder as NSString).appendingPathComponent("run-\(backend.rawValue).json")
            var arguments = ["bench-child", "--model", model, "--backend", backend.rawValue, "--steps", String(steps),
                             "--repeats", String(repeats), "--text", text, "--result", resultPath,
                             "--outputs", outputsFolder(backend),
                             "--peak-fp32", String(peaks.fp32GFLOPS), "--peak-int8", String(peaks.int8GOPS),
                             "--peak-int16", String(peaks.int16GOPS ?? 0)]
            if let frames { arguments += ["--frames", String(frames)] }
            if let convention { arguments += ["--convention", convention.rawValue] }
            if let threads = compute.threads { arguments += ["--threads", String(threads)] }
            if let cacheMB = compute.cacheMB { arguments += ["--cache-mb", String(cacheMB)] }
            if let attention = compute.attention { arguments += ["--attention", attention.rawValue] }
            if let activations = compute.activations, backend == .direct { arguments += ["--activations", activations.rawValue] }
            if let audioPath, backend == backends.last { arguments += ["--audio", audioPath] }
            if let tracePath, backend == backends.last {
                arguments += ["--trace", tracePath, "--bandwidth-cap", String(bandwidthCapGBs)]
            }
            if let workers, backend == backends.last { arguments += ["--workers", String(workers)] }
            Log.info("running the \(backend.rawValue) backend (\(repeats) run(s))...")
            try runChild(arguments)
            let child = try JSONDecoder().decode(ChildResult.self, from: Data(contentsOf: URL(fileURLWithPath: resultPath)))
            try? FileManager.default.removeItem(atPath: resultPath)
            results.append(child.result)
            last = child
        }
        guard let last else { throw ValidationError("no backend to run") }
        defer { for backend in backends { try? FileManager.default.removeItem(atPath: outputsFolder(backend)) } }
        var report = BenchmarkReport(
            date: ISO8601DateFormatter().string(from: Date()), machine: ComputeEnvironment.current(), peaks: peaks,
            model: model, frames: last.frames, steps: steps, cfgStrength: 2, workload: last.workload, results: results,
            referenceStepSeconds: nil)
        report.trace = last.trace
        report.workers = last.workers
        if backends.contains(.direct), backends.contains(.dequant) {
            report.fidelity = PathFidelity(path: "direct", try PathOutputs.load(from: outputsFolder(.direct)),
                                           reference: "dequant", try PathOutputs.load(from: outputsFolder(.dequant)))
        }
        if let referencePython {
            report.referenceStepSeconds = try referenceStepSeconds(python: referencePython, frames: last.frames)
        }
        let folder = outputFolder as NSString
        try report.json().write(to: URL(fileURLWithPath: folder.appendingPathComponent("report.json")))
        try report.svg().write(toFile: folder.appendingPathComponent("report.svg"), atomically: true, encoding: .utf8)
        return report
    }

    /// Where a child leaves its audio, mel and forward probe for the comparison.
    private func outputsFolder(_ backend: BackendKind) -> String {
        (outputFolder as NSString).appendingPathComponent("outputs-\(backend.rawValue)")
    }

    private func runChild(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
    }

    /// Seconds per step of the PyTorch reference, timed by bench/reference/time_reference.py in this run.
    private func referenceStepSeconds(python: String, frames: Int) throws -> Double {
        // Run from a checkout of this repository (the script is not installed with the binary).
        let script = "bench/reference/time_reference.py"
        guard FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("--reference-python needs \(script): run f5tts bench from the repository's root")
        }
        Log.info("timing the PyTorch reference (\(script))...")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = [script, "--frames", String(frames), "--steps", String(steps)]
        if let threads = compute.threads { arguments += ["--threads", String(threads)] }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Timing: Decodable { let seconds_per_step: Double }
        guard process.terminationStatus == 0, let timing = try? JSONDecoder().decode(Timing.self, from: data) else {
            throw ValidationError("the PyTorch reference timing failed (exit \(process.terminationStatus)); see bench/reference/README.md")
        }
        return timing.seconds_per_step
    }
}

/// What a child process hands back.
struct ChildResult: Codable {
    var result: BackendResult
    /// Frames sampled for the first chunk (reference included) and its DiT workload.
    var frames: Int
    var workload: DiTWorkload
    var trace: StepAnalysis?
    var workers: [WorkerThroughput]?
}

/// The child side of `bench` and `demo`: one backend, measured in its own process.
struct BenchChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-child", abstract: "Internal: one backend of a benchmark.",
                                                    shouldDisplay: false)
    @Option var model: String
    @Option var convention: F5Convention?
    @Option var steps: Int
    @Option var repeats: Int
    @Option var text: String
    @Option var frames: Int?
    @Option var result: String
    @Option var audio: String?
    @Option var outputs: String?
    @Option(name: .customLong("peak-fp32")) var peakFP32: Double
    @Option(name: .customLong("peak-int8")) var peakInt8: Double
    @Option(name: .customLong("peak-int16")) var peakInt16: Double
    @Option var trace: String?
    @Option(name: .customLong("bandwidth-cap")) var bandwidthCap = 80.0
    @Option var workers: Int?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.configure()
        var options = SynthesisOptions()
        options.steps = steps
        options.fixedFrames = frames
        let run = EndToEndRun(model: model, backend: compute.backend, cacheBudgetBytes: compute.cacheMB.map { $0 << 20 },
                              attention: compute.attention, activations: compute.activations,
                              convention: convention, reference: BuiltinVoice.audio(), referenceText: BuiltinVoice.transcript,
                              text: text, options: options, repeats: repeats)
        let peaks = MachinePeaks(threads: ComputeThreads.count, fp32GFLOPS: peakFP32, int8GOPS: peakInt8, int16GOPS: peakInt16)
        // The second step of the first synthesis: the first one also fills caches.
        if trace != nil { StepTrace.arm(step: min(1, steps - 1)) }
        let outcome = try run.run(peaks: peaks)
        var analysis: StepAnalysis?
        if let trace, let step = StepTrace.take() {
            try StepAnalysis.chromeTrace(step).write(to: URL(fileURLWithPath: trace))
            analysis = StepAnalysis(step: step, backend: compute.backend.rawValue, costs: .measure(bandwidthCap: bandwidthCap * 1e9))
        }
        if let audio { try AudioWriter.write(samples: outcome.synthesis.audio, sampleRate: outcome.synthesis.sampleRate, to: audio) }
        if let outputs { try outcome.outputs.save(to: outputs) }
        let throughput = try workers.map { try WorkerThroughput.measure(run, maximum: $0) }
        let child = ChildResult(result: outcome.measured, frames: outcome.frames, workload: outcome.workload, trace: analysis,
                                workers: throughput)
        try JSONEncoder().encode(child).write(to: URL(fileURLWithPath: result))
    }
}
