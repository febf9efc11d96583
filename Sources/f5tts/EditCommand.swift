import ArgumentParser
import F5Audio
import F5TTS
import Foundation

/// F5-TTS's `speech_edit.py` as a command: say some spans of a recording again with new words.
struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Regenerate spans of a recording so that it says a new transcript.",
        discussion: """
            Example: f5tts edit --audio take.wav --origin-text "Some call me nature, others call me mother nature." \
            --target-text "Some call me optimist, others call me realist." --parts 1.42-2.44,4.04-4.9 --fix-durations 1.2,1

            Edit only recordings whose speaker has authorised it.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: [.customLong("audio"), .customLong("audio_to_edit")], help: "The recording to edit.")
    var audio: String

    @Option(name: [.customLong("origin-text"), .customLong("origin_text")], parsing: .unconditional,
            help: "Its transcript (for the record; the model reads only the target text).")
    var originText: String?

    @Option(name: [.customLong("target-text"), .customLong("target_text"), .customLong("text")], parsing: .unconditional,
            help: "The whole transcript after the edit.")
    var targetText: String

    @Option(name: [.customLong("parts"), .customLong("parts_to_edit")],
            help: "Spans to regenerate, in seconds: START-END[,START-END...].")
    var parts: String

    @Option(name: .customLong("fix-durations"),
            help: "Seconds for each part's new words, one per part (default: each span's own length).")
    var fixDurations: String?

    @Option(help: "Initial noise: float32 .npy [frames, 100].")
    var noise: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    @OptionGroup var synthesis: SynthesisArguments
    @OptionGroup var output: OutputOptions
    @OptionGroup var compute: ComputeOptions

    /// `--parts` and `--fix-durations` as the library's parts.
    func editParts() throws -> [EditPart] {
        let spans = try parts.split(separator: ",").map { span -> (Double, Double) in
            // A start may be written with a minus only by mistake; "1.42-2.44" splits at its first inner '-'.
            let bounds = span.split(separator: "-", maxSplits: 1).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.count == 2, let start = bounds[0], let end = bounds[1], start < end else {
                throw ValidationError("--parts: expected START-END seconds with START < END, found '\(span)'")
            }
            return (start, end)
        }
        guard !spans.isEmpty else { throw ValidationError("--parts: expected at least one START-END span") }
        let durations = try fixDurations.map { list in
            try list.split(separator: ",").map { item -> Double in
                guard let value = Double(item.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
                    throw ValidationError("--fix-durations: expected positive seconds, found '\(item)'")
                }
                return value
            }
        }
        if let durations, durations.count != spans.count {
            throw ValidationError("--fix-durations: expected one duration per part (\(spans.count)), found \(durations.count)")
        }
        return spans.enumerated().map { EditPart(start: $1.0, end: $1.1, fixedDuration: durations?[$0]) }
    }

    func run() throws {
        let editParts = try editParts()
        let outputPath = output.path()
        try output.prepare(outputPath)
        let synthesizer = try model.load(backend: compute)
        let options = try synthesis.options(recommended: synthesizer.files.f5.manifest.inference)
        let recording = try AudioFile.read(path: audio, budget: ReferenceAudio.editBudget)
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) != 0)
        let result = try synthesizer.edit(audio: recording, name: audio, newText: targetText, parts: editParts, options: options,
                                          noise: try noise.map { try NumpyFile.read(path: $0).values }) { bar.update($0) }
        bar.finish()
        try output.write(result.audio, sampleRate: result.sampleRate, to: outputPath)
        try output.writeMel([result], melDim: synthesizer.model.architecture.melDim)
        if compute.verbose { Log.info("seed \(options.seed), timings: \(result.timings.summary)") }
    }
}
