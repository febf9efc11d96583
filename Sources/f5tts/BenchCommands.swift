import ArgumentParser
import F5Audio
import F5Bench
import F5Bundle
import F5Compute
import F5TTS
import Foundation

/// The fixed English paragraph of the demo and the benchmarks (about 10 s of speech after the built-in voice).
let demoParagraph = "The quick brown fox jumps over the lazy dog. Flow matching turns random noise into speech, "
    + "one small step at a time, on an ordinary desktop processor. Thank you for listening."

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "End-to-end benchmark of both backends (each in its own process), with a Markdown/JSON/SVG report.")

    @Option(help: "Model folder (default: the synthetic model of --preset, created once in the cache).")
    var model: String?

    @Option(help: "v0 or v1: overrides the bundle manifest's convention.")
    var convention: F5Convention?

    @Option(help: "Synthetic model used without --model: base (full F5TTS_Base size) or tiny.")
    var preset: SyntheticWeights.Preset = .base

    @Option(help: "Total mel frames sampled, reference included.")
    var frames = 1212

    @Option(help: "Sampling steps.")
    var steps = 8

    @Option(help: "Runs per backend; the median is reported.")
    var repeats = 3

    @Option(help: "Comma-separated backends to run.")
    var backends = "dequant,direct"

    @Option(help: "Folder for report.md, report.json and report.svg.")
    var out = "bench-out"

    @Option(name: .customLong("reference-python"), help: "Python with the PyPI F5-TTS stack: also time the PyTorch reference in this run.")
    var referencePython: String?

    @Option(help: "A previous report.json: fail when a ratio regressed by more than --max-regression.")
    var baseline: String?

    @Option(name: .customLong("max-regression"), help: "Allowed relative regression of ratios against --baseline.")
    var maxRegression = 0.25

    @Option(name: .customLong("github-benchmark"),
            help: ArgumentHelp("Also write the figures as github-action-benchmark's customSmallerIsBetter JSON to this file.", valueName: "file"))
    var gitHubBenchmark: String?

    @Flag(help: "Also time the last of --backends at 1, 2, 4, ... threads up to all cores: the thread-scaling table.")
    var scaling = false

    @Option(help: ArgumentHelp("Write one step of the last of --backends as Chrome trace-event JSON (Perfetto, chrome://tracing) "
                               + "and add its analysis (serial time, imbalance, projected thread scaling) to the report.",
                               valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("Also run the last of --backends with 1, 2, ... N syntheses side by side (as `serve --workers` and "
                               + "`batch --workers` do): audio seconds per wall second.", valueName: "n"))
    var workers: Int?

    @Option(name: .customLong("bandwidth-cap"),
            help: "Machine-wide memory bandwidth (GB/s) the --trace projection assumes at most for bandwidth-bound regions.")
    var bandwidthCap = 80.0

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        // Checked before a run of minutes, not after it.
        for (option, path) in [("--github-benchmark", gitHubBenchmark), ("--trace", trace)] {
            guard let path else { continue }
            let folder = (path as NSString).deletingLastPathComponent
            guard FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) else {
                throw ValidationError("\(option) \(path): its folder does not exist or is not writable")
            }
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard bandwidthCap > 0, bandwidthCap.isFinite else {
            throw ValidationError("--bandwidth-cap must be a positive number of GB/s, got \(bandwidthCap)")
        }
    }

    func run() throws {
        compute.configure()
        let kinds = try backends.split(separator: ",").map { name -> BackendKind in
            guard let kind = BackendKind(rawValue: String(name)) else { throw ValidationError("unknown backend '\(name)' in --backends") }
            return kind
        }
        let modelPath = try model ?? DefaultModel.ensure(preset: preset).path
        let benchmark = EndToEndBenchmark(model: modelPath, convention: convention, backends: kinds, frames: frames, steps: steps, repeats: repeats,
                                          text: demoParagraph, compute: compute, outputFolder: out, audioPath: nil,
                                          referencePython: referencePython, tracePath: trace, bandwidthCapGBs: bandwidthCap,
                                          workers: workers)
        var report = try benchmark.run()
        if scaling {
            report.scaling = try scalingTable(benchmark)
            try report.json().write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("report.json")))
        }
        let markdown = report.markdown(chartFile: "report.svg")
        try markdown.write(toFile: (out as NSString).appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        if let gitHubBenchmark { try report.gitHubBenchmarkJSON().write(to: URL(fileURLWithPath: gitHubBenchmark)) }
        print(markdown)
        if let baseline {
            let previous = try JSONDecoder().decode(BenchmarkReport.self, from: Data(contentsOf: URL(fileURLWithPath: baseline)))
            let regressions = RatioCheck.regressions(current: report, baseline: previous, tolerance: maxRegression)
            for line in regressions { Log.info("regression: \(line)") }
            if !regressions.isEmpty { throw ExitCode(1) }
            print("ratios within \(Int(maxRegression * 100)) % of \(baseline)")
        }
    }
}

extension BenchCommand {
    /// The benchmark's last backend again, alone, with 1, 2, 4, ... threads up to all cores.
    func scalingTable(_ benchmark: EndToEndBenchmark) throws -> [ThreadScaling] {
        guard let backend = benchmark.backends.last else { return [] }
        let folder = (out as NSString).appendingPathComponent("scaling")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try ThreadScaling.threadCounts(cores: ProcessInfo.processInfo.activeProcessorCount).map { threads in
            var run = benchmark
            run.backends = [backend]
            run.compute.threads = threads
            run.outputFolder = folder
            Log.info("thread scaling: \(threads) thread(s)")
            let step = try run.run().results[0].medianStepSeconds
            return ThreadScaling(backend: backend.rawValue, threads: threads, secondsPerStep: step)
        }
    }
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Synthesise a fixed paragraph with both backends on the built-in model and write demo.wav and a report.")

    @Option(help: "Output folder.")
    var out = "demo-out"

    @Option(help: "Model folder (default: the full-size synthetic model, created once in the cache).")
    var model: String?

    @Option(help: "Sampling steps.")
    var steps = 8

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.configure()
        let (modelPath, created) = try model.map { ($0, false) } ?? DefaultModel.ensure(preset: .base)
        if created { Log.info("created the synthetic F5TTS_Base + Vocos model in \(modelPath)") }
        let audio = (out as NSString).appendingPathComponent("demo.wav")
        let benchmark = EndToEndBenchmark(model: modelPath, convention: nil, backends: [.dequant, .direct], frames: nil, steps: steps, repeats: 1,
                                          text: demoParagraph, compute: compute, outputFolder: out, audioPath: audio,
                                          referencePython: nil)
        let report = try benchmark.run()
        try AudioWriter.write(samples: BuiltinVoice.audio().floatSamples, sampleRate: BuiltinVoice.sampleRate,
                              to: (out as NSString).appendingPathComponent("reference.wav"))
        let synthetic = model == nil
        var markdown = "# f5tts demo\n\n"
        markdown += "Text: \"\(demoParagraph)\"\n\n"
        markdown += "Audio: `\(audio)` (direct backend), reference voice: `\(out)/reference.wav` (built in).\n\n"
        if synthetic {
            markdown += "**These are synthetic random weights: the audio is noise-like, not speech.** They have the exact size and "
            markdown += "layout of the published F5TTS_Base 4-bit bundle, so the timings are representative. For real speech, "
            markdown += "fetch the published bundle (`f5tts download`) and run "
            markdown += "`f5tts speak --ref-audio voice.wav --ref-text \"...\" --text \"...\"`, "
            markdown += "or this demo on it with `f5tts demo --model DIR`.\n\n"
        }
        markdown += report.markdown(chartFile: "report.svg")
        try markdown.write(toFile: (out as NSString).appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        print(markdown)
    }
}
