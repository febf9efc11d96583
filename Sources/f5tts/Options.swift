import ArgumentParser
import F5Audio
import F5Bundle
import F5Compute
import F5Model
import F5TTS
import Foundation

// Option groups shared by the commands, each turning itself into library values. Every option whose
// value may start with "-" (negative numbers, text) is parsed unconditionally: `--sway-coef -1` and
// `--text "-- a quote"` are values, not flags. F5-TTS's `infer_cli` spellings are accepted as aliases.

/// Which model to run.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customLong("model"), .customShort("m"), .customLong("ckpt_file"), .customShort("p")],
            help: "F5 bundle folder, a folder of bundles, or the app .tar (default: the release `f5tts download` fetched).")
    var model: String?

    @Option(help: "Vocos bundle (default: found beside or inside --model).")
    var vocoder: String?

    @Option(name: [.customLong("vocab"), .customLong("vocab_file")],
            help: "Vocabulary file (default: the *vocab*.txt of the model folder, else F5-TTS's own).")
    var vocab: String?

    @Option(help: "v0 (RoPE on head 0, no text masking) or v1: overrides the bundle manifest's convention.")
    var convention: F5Convention?

    /// F5-TTS's model names, which name a checkpoint to fetch rather than a path.
    static let f5ModelNames: Set<String> = ["F5TTS_v1_Base", "F5TTS_Base", "E2TTS_Base", "F5-TTS", "E2-TTS"]

    /// `--model`, else `fallback` (a config file's), else the downloaded release.
    func modelPath(fallback: String? = nil) throws -> String {
        guard let path = model ?? fallback ?? DefaultModel.downloaded else {
            throw ValidationError("no model: run `f5tts download` (it puts the published 4-bit release in "
                                  + "\(Downloader.defaultDirectory), which is then the default) or pass --model DIR")
        }
        if Self.f5ModelNames.contains(path) && !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--model \(path) is an F5-TTS model name; f5tts runs 4-bit bundles: pass a bundle path with "
                                  + "--model (`f5tts download` fetches the published one into \(Downloader.defaultDirectory)), "
                                  + "or leave --model out to use that download")
        }
        return path
    }

    func load(backend: ComputeOptions, fallbackModel: String? = nil, vocabFallback: String? = nil, workers: Int = 1) throws -> Synthesizer {
        let files = try ModelFiles.locate(model: try modelPath(fallback: fallbackModel), vocoder: vocoder,
                                          vocabulary: vocab ?? vocabFallback, convention: convention)
        return try Synthesizer(files: files, backend: backend.prepare(), workers: workers)
    }
}

/// `--workers`: syntheses run side by side (serve, batch).
struct WorkerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Syntheses run side by side, sharing the weights and splitting the cores while several run "
                               + "(default: one per \(SynthesisWorkers.coresPerSynthesis) cores of --threads).", valueName: "n"))
    var workers: Int?

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1, got \(workers)") }
    }

    /// `--workers`, else the default for the cores `compute` gives the regions.
    func resolved(_ compute: ComputeOptions) -> Int {
        workers ?? SynthesisWorkers.standard(cores: compute.threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }
}

/// How to sample: one option per row of `SynthesisSetting.all`, named and checked by the table (F5-TTS's
/// spellings are aliases), the values kept as typed until the table parses them.
struct SynthesisArguments: ParsableArguments {
    @Option(name: .setting("nfe_step"), parsing: .unconditional, help: .setting("nfe_step")) var steps: String?
    @Option(name: .setting("cfg_strength"), parsing: .unconditional, help: .setting("cfg_strength")) var cfgStrength: String?
    @Option(name: .setting("sway_sampling_coef"), parsing: .unconditional, help: .setting("sway_sampling_coef")) var swayCoef: String?
    @Option(name: .setting("speed"), parsing: .unconditional, help: .setting("speed")) var speed: String?
    @Option(name: .setting("fix_duration"), parsing: .unconditional, help: .setting("fix_duration")) var duration: String?
    @Option(name: .setting("cross_fade_duration"), parsing: .unconditional, help: .setting("cross_fade_duration"))
    var crossFadeDuration: String?
    @Option(name: .setting("target_rms"), parsing: .unconditional, help: .setting("target_rms")) var targetRMS: String?
    @Flag(name: .setting("remove_silence"), help: .setting("remove_silence")) var removeSilence = false
    @Option(name: .setting("ode_method"), parsing: .unconditional, help: .setting("ode_method")) var odeMethod: String?
    @Option(name: .setting("seed"), parsing: .unconditional, help: .setting("seed")) var seed: String?

    @Option(name: .customLong("noise-generator"), help: "torch (the reference's torch.randn for --seed) or lcg (the seed runtime's).")
    var noiseGenerator: NoiseGenerator.Kind = .torch

    /// The values given, keyed by F5-TTS's names, each checked by the table (errors name the flag).
    func values() throws -> [String: SettingValue] {
        let typed: [(String, String?)] = [("nfe_step", steps), ("cfg_strength", cfgStrength), ("sway_sampling_coef", swayCoef),
                                          ("speed", speed), ("fix_duration", duration), ("cross_fade_duration", crossFadeDuration),
                                          ("target_rms", targetRMS), ("ode_method", odeMethod), ("seed", seed)]
        var values: [String: SettingValue] = removeSilence ? ["remove_silence": .boolean(true)] : [:]
        for case let (name, text?) in typed {
            let setting = SynthesisSetting.named(name)!
            do { values[name] = try setting.parse(argument: text) } catch let error as F5TTSError {
                throw ValidationError(error.renamingArgument(to: "--" + setting.flag).description)
            }
        }
        return values
    }

    func validate() throws { _ = try values() }

    /// The seed given on the command line, if any.
    var givenSeed: UInt64? { seed.flatMap { UInt64($0) } }

    /// The options: these flags, else `file` (a config's values, already checked), else the bundle's
    /// recommendation, else the defaults; the seed random when none is given.
    func options(recommended: InferenceSettings?, file: [String: SettingValue] = [:]) throws -> SynthesisOptions {
        var o = SynthesisOptions(recommended: recommended)
        let flags = try values()
        try o.apply(file.merging(flags) { _, flag in flag })
        if flags["seed"] == nil && file["seed"] == nil { o.seed = SynthesisOptions.randomSeed() }
        o.noiseGenerator = noiseGenerator
        return o
    }
}

extension NameSpecification {
    /// A setting's flag and aliases, from the table.
    static func setting(_ name: String) -> NameSpecification {
        let setting = SynthesisSetting.named(name)!
        return NameSpecification(([setting.flag] + setting.aliases).map { .customLong($0) })
    }
}

extension ArgumentHelp {
    /// A setting's help with its valid values and default, from the table.
    static func setting(_ name: String) -> ArgumentHelp {
        let s = SynthesisSetting.named(name)!
        let value = s.value(in: SynthesisOptions())
        let fallback = s.randomByDefault || value == .null ? "" : " Default \(value), or the bundle's recommendation."
        return ArgumentHelp("\(s.help) \(s.expected.prefix(1).uppercased() + s.expected.dropFirst()).\(fallback)")
    }
}

/// Where and how the audio is written.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output file, or - for standard output (default: out.wav, or --output-dir/--output-file).")
    var output: String?

    @Option(name: [.customLong("output-dir"), .customLong("output_dir"), .customShort("o")],
            help: "Folder for the output (created if missing), with --output-file as its name.")
    var outputDir: String?

    @Option(name: [.customLong("output-file"), .customLong("output_file"), .customShort("w")],
            help: "File name of the output inside --output-dir (default out.wav).")
    var outputFile: String?

    @Option(help: "wav, flac, mp3, opus or pcm (raw s16le). Default: from the output's extension; wav for standard output, which streams wav and pcm as the audio is made.")
    var format: AudioFormat?

    @Option(name: .customLong("sample-format"), help: "pcm16 or float32.")
    var sampleFormat: SampleFormat = .pcm16

    @Option(name: .customLong("save-mel"), help: "Also write the generated mel (float32 .npy [100, T], the reference's combined spectrogram).")
    var saveMel: String?

    @Flag(name: [.customLong("save-chunk"), .customLong("save_chunk")],
          help: "Also write each voice segment's audio to <output name>_chunks/<i>_<text>.wav, as F5-TTS does.")
    var saveChunk = false

    func validate() throws {
        if format == nil, let output, output != "-", AudioFormat(pathExtension: (output as NSString).pathExtension) == nil,
           ["aac", "m4a"].contains((output as NSString).pathExtension.lowercased()) {
            throw ValidationError("--output \(output): AAC is not supported (libsndfile has no AAC encoder); use mp3, opus, flac or wav")
        }
        if output != nil && (outputDir != nil || outputFile != nil) {
            throw ValidationError("give either --output or --output-dir/--output-file, not both")
        }
        if let outputFile, outputFile.contains("/") || outputFile.isEmpty || outputFile == "." || outputFile == ".." {
            throw ValidationError("--output-file must be a file name, got '\(outputFile)'; put folders in --output-dir")
        }
    }

    /// The output path: flags first, then a config file's folder and name (`dir`, `file`).
    func path(configDir: String? = nil, configFile: String? = nil) -> String {
        if let output { return output }
        let dir = outputDir ?? configDir, file = outputFile ?? configFile ?? "out.wav"
        return dir.map { ($0 as NSString).appendingPathComponent(file) } ?? file
    }

    /// Before any work: creates the output's folder when it came from --output-dir or a config file's
    /// `configDir` (F5-TTS makes it too), then checks that the output and --save-mel can be written.
    func prepare(_ path: String, configDir: String? = nil) throws {
        // Not for "-": Foundation's deletingLastPathComponent traps on it.
        if path != "-", output == nil, (outputDir ?? configDir) != nil, case let folder = (path as NSString).deletingLastPathComponent,
           !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw ValidationError("--output-dir \(folder): cannot create it: \(error.localizedDescription)")
            }
        }
        try checkWritable(path, option: "--output")
        if let saveMel { try checkWritable(saveMel, option: "--save-mel") }
    }

    /// `--save-mel`: the results' mels joined along time, [melDim, frames] as the reference's combined spectrogram.
    func writeMel(_ results: [SynthesisResult], melDim: Int) throws {
        guard let saveMel else { return }
        let frames = results.reduce(0) { $0 + $1.melFrames }
        let mel = (0..<melDim).flatMap { c in results.flatMap { r in r.mel[(c * r.melFrames)..<((c + 1) * r.melFrames)] } }
        try NumpyFile.write(path: saveMel, shape: [melDim, frames], values: mel)
    }

    func write(_ samples: [Float], sampleRate: Int, to path: String) throws {
        try AudioWriter.write(samples: samples, sampleRate: sampleRate, to: path,
                              format: format ?? (path == "-" ? .wav : nil), sampleFormat: sampleFormat)
    }
}

extension BackendKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension ActivationPrecision: ExpressibleByArgument {}
extension F5Convention: ExpressibleByArgument {}
extension NoiseGenerator.Kind: ExpressibleByArgument {}
extension AudioFormat: ExpressibleByArgument {
    /// Format names as OpenAI and file extensions spell them (`pcm` is raw, `ogg` is Opus).
    public init?(argument: String) { self.init(pathExtension: argument) }
    public static var allValueStrings: [String] { ["wav", "flac", "mp3", "opus", "pcm", "raw"] }
}
extension SampleFormat: ExpressibleByArgument {}
