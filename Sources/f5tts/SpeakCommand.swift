import ArgumentParser
import F5TTS
import Foundation

struct SpeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speak", abstract: "Synthesise speech in the voice of a reference clip.")

    @Option(help: "F5 bundle folder, a folder of bundles, or the app .tar.")
    var model: String

    @Option(help: "Vocos bundle (default: found beside or inside --model).")
    var vocoder: String?

    @Option(help: "Vocabulary file (default: the *vocab*.txt of the model folder, else F5TTS_Base's).")
    var vocab: String?

    @Option(name: .customLong("ref-audio"), help: "Reference clip (WAV, FLAC, OGG, ...; any rate and channels).")
    var refAudio: String

    @Option(name: .customLong("ref-text"), help: "Transcript of the reference clip.")
    var refText: String

    @Option(help: "Text to speak (or --text-file, or standard input).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "UTF-8 file with the text to speak.")
    var textFile: String?

    @Option(help: "Output file, or - for standard output.")
    var output = "out.wav"

    @Option(help: "wav, flac or raw (default: from the output's extension; wav for standard output).")
    var format: AudioFormat?

    @Option(name: .customLong("sample-format"), help: "pcm16 or float32.")
    var sampleFormat: SampleFormat = .pcm16

    @Option(help: "Sampling steps (default 8, or the bundle's recommendation).")
    var steps: Int?

    @Option(name: .customLong("cfg-strength"), help: "Classifier-free guidance strength (default 2).")
    var cfgStrength: Double?

    @Option(name: .customLong("sway-coef"), help: "Sway sampling coefficient (default -1).")
    var swayCoef: Double?

    @Option(help: "Speaking speed (default 1.0).")
    var speed: Double?

    @Option(help: "Total duration in seconds, reference included (replaces the duration rule).")
    var duration: Double?

    @Option(help: "Noise seed (default: random, printed with --verbose).")
    var seed: UInt64?

    @Option(help: "Initial noise: float32 .npy [frames, 100] for a single-chunk text.")
    var noise: String?

    @Option(name: .customLong("noise-generator"), help: "torch (the reference's torch.randn for --seed) or lcg (the seed runtime's).")
    var noiseGenerator: SynthesisOptions.NoiseGeneratorKind = .torch

    @Option(name: .customLong("save-mel"), help: "Also write the generated mel (float32 .npy [100, T], the reference's combined spectrogram).")
    var saveMel: String?

    @Flag(name: .customLong("dry-run"), help: "Print the plan as JSON (reference frames, chunks, token ids, frames) and stop.")
    var dryRun = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if text != nil && textFile != nil { throw ValidationError("give either --text or --text-file, not both") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        for (name, value) in [("--cfg-strength", cfgStrength), ("--sway-coef", swayCoef)] {
            if let value, !value.isFinite { throw ValidationError("\(name) must be a finite number") }
        }
        if let speed, !(speed > 0 && speed.isFinite) { throw ValidationError("--speed must be a positive number, got \(speed)") }
        if let duration, !(duration > 0 && duration.isFinite) { throw ValidationError("--duration must be a positive number of seconds, got \(duration)") }
        if quiet && compute.verbose { throw ValidationError("--quiet and --verbose exclude each other") }
    }

    func run() throws {
        if !dryRun {
            try checkWritable(output, option: "--output")
            if let saveMel { try checkWritable(saveMel, option: "--save-mel") }
        }
        let backend = compute.prepare()
        let start = Date()
        let files = try ModelFiles.locate(model: model, vocoder: vocoder, vocabulary: vocab)
        let synthesizer = try Synthesizer(files: files, backend: backend)
        let loadSeconds = Date().timeIntervalSince(start)

        var options = SynthesisOptions(recommended: files.f5.manifest.inference)
        options.steps = steps ?? options.steps
        options.cfgStrength = cfgStrength ?? options.cfgStrength
        options.swaySamplingCoef = swayCoef ?? options.swaySamplingCoef
        options.speed = speed ?? options.speed
        options.fixedDuration = duration
        options.seed = seed ?? UInt64.random(in: 0..<(1 << 32))
        options.noiseGenerator = noiseGenerator

        let referenceStart = Date()
        let reference = try ReferenceAudio.prepare(path: refAudio)
        let referenceSeconds = Date().timeIntervalSince(referenceStart)
        let textStart = Date()
        let plan = try synthesizer.plan(reference: reference, refText: refText, text: try readText(), options: options)
        let planSeconds = Date().timeIntervalSince(textStart)
        if dryRun {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(plan), as: UTF8.self))
            return
        }
        let initialNoise = try noise.map { try NumpyFile.read(path: $0).values }
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) != 0)
        var result = try synthesizer.synthesize(reference: reference, plan: plan, options: options, noise: initialNoise) { bar.update($0) }
        bar.finish()
        result.timings.load = loadSeconds
        result.timings.reference += referenceSeconds
        result.timings.text += planSeconds
        result.timings.total += loadSeconds + referenceSeconds + planSeconds
        try AudioWriter.write(samples: result.audio, sampleRate: result.sampleRate, to: output,
                              format: format ?? (output == "-" ? .wav : nil), sampleFormat: sampleFormat)
        if let saveMel {
            try NumpyFile.write(path: saveMel, shape: [files.f5.f5Architecture!.melDim, result.melFrames], values: result.mel)
        }
        if compute.verbose {
            Log.info("seed \(options.seed), \(plan.chunks.count) chunk(s), \(plan.chunks.map(\.frames)) frames")
            Log.info("timings: \(result.timings.summary)")
        }
    }

    /// --text, --text-file, or standard input when neither is given.
    private func readText() throws -> String {
        if let text { return text }
        if let textFile {
            do { return try String(contentsOfFile: textFile, encoding: .utf8) } catch {
                throw ValidationError("--text-file \(textFile): \(error.localizedDescription)")
            }
        }
        guard isatty(STDIN_FILENO) == 0 else { throw ValidationError("give the text with --text, --text-file or on standard input") }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("standard input is not UTF-8 text") }
        return text
    }
}

extension SynthesisOptions.NoiseGeneratorKind: ExpressibleByArgument {}

/// One line on stderr, rewritten in place: chunk, step and the estimated time left.
final class ProgressBar {
    private let enabled: Bool
    private let start = Date()
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: Synthesizer.Progress) {
        guard enabled else { return }
        let done = Double(p.chunk * p.steps + p.step), total = Double(p.chunks * p.steps)
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / done * (total - done) : 0
        let width = 30, filled = Int(Double(width) * done / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r[\(bar)] chunk \(p.chunk + 1)/\(p.chunks) step \(p.step)/\(p.steps), ETA \(Int(eta.rounded())) s "
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
