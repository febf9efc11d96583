import ArgumentParser
import F5Audio
import F5Compute
import F5Text
import F5TTS
import Foundation

struct SpeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speak", abstract: "Synthesise speech in the voice of a reference clip.",
        discussion: """
            F5-TTS's infer_cli options are accepted as aliases (--gen_text, --ref_audio, --nfe_step, -c config.toml, ...), \
            and a config may define [voices.NAME] tables that [NAME] tags in the text switch to.

            Clone a voice only with its owner's authorisation: the model card asks this of every use.
            """)

    @Option(name: [.customShort("c"), .customLong("config")], help: "F5-TTS config (TOML): its fields, voices and paths; flags override it.")
    var config: String?

    @OptionGroup var model: ModelOptions

    @Option(name: [.customLong("ref-audio"), .customLong("ref_audio"), .customShort("r")], parsing: .unconditional,
            help: "Reference clip (WAV, FLAC, OGG, ...; any rate and channels).")
    var refAudio: String?

    @Option(name: [.customLong("ref-text"), .customLong("ref_text"), .customShort("s")], parsing: .unconditional,
            help: "Transcript of the reference clip.")
    var refText: String?

    @Option(name: [.customLong("text"), .customShort("t"), .customLong("gen-text"), .customLong("gen_text")], parsing: .unconditional,
            help: "Text to speak (or --text-file, or standard input).")
    var text: String?

    @Option(name: [.customLong("text-file"), .customShort("f"), .customLong("gen-file"), .customLong("gen_file")],
            parsing: .unconditional, help: "UTF-8 file with the text to speak.")
    var textFile: String?

    @Option(help: "Initial noise: float32 .npy [frames, 100] for a single-chunk text.")
    var noise: String?

    @Flag(name: .customLong("dry-run"), help: "Print the plan as JSON (reference frames, chunks, token ids, frames) and stop.")
    var dryRun = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var synthesis: SynthesisArguments
    @OptionGroup var output: OutputOptions
    @OptionGroup var compute: ComputeOptions
    @OptionGroup var f5Only: F5OnlyOptions

    func validate() throws {
        if text != nil && textFile != nil { throw ValidationError("give either --text or --text-file, not both") }
        if quiet && compute.verbose { throw ValidationError("--quiet and --verbose exclude each other") }
    }

    func run() throws {
        f5Only.explain()
        let file = try config.map(InferenceConfig.init(path:)) ?? InferenceConfig()
        if let name = file.modelName, model.model == nil {
            Log.info("note: model = \"\(name)\" in \(config ?? "") names an F5-TTS checkpoint; f5tts runs the 4-bit bundle "
                     + "(--model, or what `f5tts download` fetched)")
        }
        let outputPath = output.path(configDir: file.outputDir, configFile: file.outputFile)
        let saveChunk = output.saveChunk || (file.saveChunk ?? false)
        if !dryRun {
            try output.prepare(outputPath, configDir: file.outputDir)
        }
        let synthesizer = try model.load(backend: compute, fallbackModel: file.model, vocabFallback: file.vocabFile)
        let options = try synthesis.options(recommended: synthesizer.files.f5.manifest.inference, file: file.synthesis)
        let specs = file.voices.mapValues { VoiceSpec(refAudio: $0.refAudio, refText: $0.refText) }
            .merging([VoiceScript.mainVoice: VoiceSpec(refAudio: refAudio ?? file.refAudio, refText: refText ?? file.refText)]) { _, main in main }
        let script = try VoiceScript(text: try readText(file), voices: Set(file.voices.keys))
        for tag in script.emptyTags { Log.info("warning: the [\(tag)] segment has no text; skipped") }
        var voices: [String: Voice] = [:]
        for name in script.voices {
            voices[name] = try synthesizer.prepareVoice(path: try specs[name]!.audio(voice: name, config: config),
                                                        transcript: try specs[name]!.transcript(voice: name, config: config),
                                                        targetRMS: options.targetRMS)
        }
        // A voice's own speed (its [voices.NAME] table) replaces the file's, not the flag's.
        var voiceSpeeds: [String: Double] = [:]
        if synthesis.speed == nil {
            for (name, entry) in file.voices {
                if case let .number(speed)? = entry.speed { voiceSpeeds[name] = speed }
            }
        }

        if dryRun {
            let plans = try script.parts.map { part in
                var o = options
                o.speed = voiceSpeeds[part.voice] ?? o.speed
                return try synthesizer.plan(text: part.text, voice: voices[part.voice]!, options: o)
            }
            try printPlans(plans, script: script, options: options)
            return
        }
        if noise != nil && script.parts.count > 1 { throw ValidationError("--noise needs a single voice segment") }
        let initialNoise = try noise.map { try NumpyFile.read(path: $0).values }
        // Standard output gets each piece as it is ready (WAV with open-ended sizes, or raw), so that
        // `f5tts speak ... --output - | aplay` starts playing after the first chunk.
        let stream = outputPath == "-" && output.saveMel == nil && !saveChunk
            ? try? AudioStreamEncoder(format: output.format ?? .wav, sampleFormat: output.sampleFormat, sampleRate: synthesizer.sampleRate)
            : nil
        var started = false
        var streamError: Error?
        func send(_ chunk: AudioChunk) {
            guard let stream, streamError == nil else { return }
            do {
                if !started { FileHandle.standardOutput.write(stream.header) }
                started = true
                FileHandle.standardOutput.write(try stream.encode(chunk.samples))
                if chunk.isLast { FileHandle.standardOutput.write(try stream.finish()) }
            } catch { streamError = error }
        }
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) != 0)
        let result = try synthesizer.generate(script: script, voices: voices, options: options, voiceSpeeds: voiceSpeeds,
                                              noise: initialNoise, progress: { bar.update($0) }, onAudio: send)
        bar.finish()
        if let streamError { throw streamError }
        if stream == nil { try output.write(result.audio, sampleRate: synthesizer.sampleRate, to: outputPath) }
        if saveChunk { try writeSegments(result.parts, script: script, output: outputPath) }
        try output.writeMel(result.parts, melDim: synthesizer.model.architecture.melDim)
        if compute.verbose {
            for (part, result) in zip(script.parts, result.parts) {
                Log.info("voice \(part.voice): seed \(options.seed), \(result.plan.chunks.count) chunk(s), \(result.plan.chunks.map(\.frames)) frames")
                Log.info("timings: \(result.timings.summary)")
            }
        }
    }

    /// The plan (`ref_frames`, `chunks`) for a single segment, or `segments` with each voice, text and plan
    /// when the text switches voices; and the options in force (`options`, the seed only when given).
    private func printPlans(_ plans: [SynthesisPlan], script: VoiceScript, options: SynthesisOptions) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        struct Segment: Encodable { let voice: String, text: String, plan: SynthesisPlan }
        let planData = script.isTagged
            ? try encoder.encode(["segments": zip(script.parts, plans).map { Segment(voice: $0.voice, text: $0.text, plan: $1) }])
            : try encoder.encode(plans[0])
        var json = try JSONSerialization.jsonObject(with: planData) as! [String: Any]
        var settings = try JSONSerialization.jsonObject(with: encoder.encode(options)) as! [String: Any]
        if synthesis.seed == nil { settings.removeValue(forKey: "seed") }
        json["options"] = settings
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }

    /// `--save_chunk`: each segment's audio in `<output stem>_chunks/<i>_<text>.wav`, as F5-TTS names them,
    /// with the text made safe as a file name (no path separators or control characters, at most 200 bytes).
    private func writeSegments(_ results: [SynthesisResult], script: VoiceScript, output: String) throws {
        let base = output == "-" ? "out" : ((output as NSString).lastPathComponent as NSString).deletingPathExtension
        let folder = ((output == "-" ? "" : (output as NSString).deletingLastPathComponent) as NSString).appendingPathComponent(base + "_chunks")
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw ValidationError("--save-chunk: cannot create \(folder): \(error.localizedDescription)")
        }
        for (index, (segment, result)) in zip(script.parts, results).enumerated() {
            let name = "\(index)_\(Self.safeFileName(segment.text)).wav"
            try AudioWriter.write(samples: result.audio, sampleRate: result.sampleRate, to: (folder as NSString).appendingPathComponent(name))
        }
    }

    static func safeFileName(_ text: String) -> String {
        var name = String(text.unicodeScalars.map { $0 == "/" || $0.properties.generalCategory == .control ? "_" : Character($0) })
        while name.utf8.count > 200 { name.removeLast() }
        return name.hasPrefix(".") ? "_" + name.dropFirst() : name
    }

    /// --text, --text-file, the config's gen_file or gen_text, or standard input.
    private func readText(_ file: InferenceConfig) throws -> String {
        if let text { return text }
        if let path = textFile ?? file.genFile {
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ValidationError("\(textFile != nil ? "--text-file" : "gen_file in \(config ?? "")") \(path): \(error.localizedDescription)")
            }
        }
        if let genText = file.genText, !genText.isEmpty { return genText }
        guard isatty(STDIN_FILENO) == 0 else { throw ValidationError("give the text with --text, --text-file or on standard input") }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("standard input is not UTF-8 text") }
        return text
    }
}

/// One voice of a script: its reference and transcript, as the flags and the config give them.
struct VoiceSpec {
    var refAudio: String?
    var refText: String?

    func audio(voice: String, config: String?) throws -> String {
        guard let refAudio, !refAudio.isEmpty else {
            throw ValidationError(voice == VoiceScript.mainVoice ? "give the reference clip with --ref-audio (or ref_audio in the config)"
                                  : "voice '\(voice)' in \(config ?? "the config") has no ref_audio")
        }
        return refAudio
    }

    func transcript(voice: String, config: String?) throws -> String {
        guard let refText, !refText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            let field = voice == VoiceScript.mainVoice ? "--ref-text (or ref_text in the config)" : "ref_text of [voices.\(voice)] in \(config ?? "the config")"
            throw ValidationError("the transcript of voice '\(voice)' is empty: F5-TTS would transcribe the clip with Whisper, "
                                  + "which f5tts does not have; give it with \(field)")
        }
        return refText
    }
}

/// F5-TTS options that do not apply to this runtime: accepted, so F5 commands run unchanged, with a note on
/// what they mean here.
struct F5OnlyOptions: ParsableArguments {
    @Option(name: .customLong("vocoder_name"), help: .hidden) var vocoderName: String?
    @Flag(name: .customLong("load_vocoder_from_local"), help: .hidden) var loadVocoderFromLocal = false
    @Option(name: .customLong("device"), help: .hidden) var device: String?

    func validate() throws {
        if let vocoderName, vocoderName != "vocos" {
            throw ValidationError("--vocoder_name \(vocoderName): f5tts runs the 4-bit Vocos vocoder of the bundle; "
                                  + "leave --vocoder_name out, or pass another Vocos bundle with --vocoder DIR")
        }
    }

    func explain() {
        if loadVocoderFromLocal { Log.info("note: the vocoder is always read locally (from the model, or --vocoder DIR); --load_vocoder_from_local is not needed") }
        if let device, device != "cpu" { Log.info("note: f5tts runs on the CPU; --device \(device) is ignored (see --backend and --threads)") }
    }
}

/// One line on stderr, rewritten in place: chunk, step and the estimated time left.
final class ProgressBar {
    private let enabled: Bool
    private let clock = Stopwatch()
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: Synthesizer.Progress) {
        guard enabled else { return }
        let done = Double(p.chunk * p.steps + p.step), total = Double(p.chunks * p.steps)
        let elapsed = clock.elapsed
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
