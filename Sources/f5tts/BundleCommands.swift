import ArgumentParser
import F5Bundle
import F5TTS
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Describe a bundle, a model folder or the app archive.")

    @Argument(help: "A bundle folder, its manifest.json, a folder of bundles or the app .tar.")
    var path: String

    @Flag(help: "Print JSON: one object for a single bundle, {\"bundles\": [...]} for several.")
    var json = false

    @Flag(help: "Also print the time to load and validate each bundle.")
    var verbose = false

    func run() throws {
        let summaries = try BundleSummary.inspect(path: path)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = summaries.count == 1 ? try encoder.encode(summaries[0]) : try encoder.encode(["bundles": summaries])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for s in summaries {
            print("\(s.location)")
            print("  format        \(s.format)")
            print("  model_id      \(s.modelID ?? "-")")
            if let a = s.f5Architecture {
                let rope = a.peAttnHead.map { "\($0) head(s)" } ?? "all heads"
                print("  architecture  dim \(a.dim), depth \(a.depth), heads \(a.heads)x\(a.dimHead), ff_mult \(a.ffMult), text_dim \(a.textDim), conv_layers \(a.convLayers), mel_dim \(a.melDim), \(a.sampleRate) Hz")
                print("  convention    \(s.convention ?? "custom") (RoPE on \(rope), text_mask_padding \(a.textMaskPadding)), vocabulary \(s.vocabularySize ?? 0)")
                if let source = s.conventionSource { print("                \(source)") }
            }
            if let v = s.vocosArchitecture {
                print("  architecture  input \(v.inputChannels), dim \(v.dim), intermediate \(v.intermediateDim), layers \(v.numLayers), n_fft \(v.nFFT), hop \(v.hopLength), \(v.padding), \(v.sampleRate) Hz")
            }
            print("  q4 tensors    \(s.q4Tensors) (\(s.q4Parameters) parameters)")
            print("  dense tensors \(s.denseTensors) (\(s.denseParameters) parameters)")
            print("  bytes         \(s.bytes) (\(BundleWriter.humanBytes(s.bytes)))")
            if verbose { print(String(format: "  load          %.1f ms to a validated bundle (checksums not verified)", s.loadMilliseconds)) }
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check checksums.sha256 and validate every bundle; exit 0 only when all is well.")

    @Argument(help: "A bundle folder, a release folder or the app .tar.")
    var path: String

    func run() throws {
        let report = try VerificationReport.verify(path: path)
        if report.checksumLists.isEmpty {
            print("no \(Checksums.fileName) found: structure checked, contents not")
        }
        for list in report.checksumLists { print("checked \(list)") }
        print(String(format: "%d files, %.1f MB hashed at %.0f MB/s: all digests match",
                     report.checkedFiles.count, Double(report.hashedBytes) / 1e6, report.megabytesPerSecond))
        for b in report.bundles { print("valid \(b.format) at \(b.location): \(b.q4Tensors) Q4 + \(b.denseTensors) dense tensors") }
    }
}

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize an original F5-TTS or Vocos checkpoint (safetensors) into a bundle.")

    @Argument(help: "An F5-TTS checkpoint (e.g. F5TTS_Base/model_1200000.safetensors) or Vocos weights in safetensors.")
    var checkpoint: String

    @Option(help: "Output bundle folder.")
    var out: String

    @Option(help: "F5-TTS conventions: v0 (F5TTS_Base: RoPE on head 0, no text masking) or v1. Default: from the file name.")
    var convention: F5Convention?

    @Option(name: .customLong("model-id"), help: "model_id written to the manifest.")
    var modelID: String?

    @Option(name: .customLong("hop-length"), help: "Vocos hop length (not recorded in the weights).")
    var hopLength = 256

    func run() throws {
        let file = try SafetensorsFile(path: checkpoint)
        switch CheckpointQuantizer.kind(of: file) {
        case .f5:
            guard let convention = convention ?? CheckpointQuantizer.guessConvention(fromPath: checkpoint) else {
                throw ValidationError("--convention v0|v1 is needed: the file name of \(checkpoint) does not tell")
            }
            try CheckpointQuantizer.quantizeF5(file, convention: convention, modelID: modelID ?? "f5tts-q4", to: out)
        case .vocos:
            try CheckpointQuantizer.quantizeVocos(file, hopLength: hopLength, sampleRate: 24000,
                                                  modelID: modelID ?? "vocos-mel-24khz-q4", to: out)
        }
        print("wrote \(out)")
    }
}

struct MakeSyntheticCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-synthetic",
        abstract: "Write an F5 + Vocos bundle pair with seeded random weights (the built-in default model).")

    @Option(help: "base: full F5TTS_Base size (337 M parameters); tiny: a small model for tests.")
    var preset: SyntheticWeights.Preset = .base

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Output folder: the F5 bundle goes to OUT/f5tts, the vocoder to OUT/vocos, the vocabulary to OUT/vocab.txt.")
    var out: String

    func run() throws {
        try SyntheticModels.write(preset: preset, seed: seed, to: out)
        print("wrote \(out)/f5tts, \(out)/vocos and \(out)/vocab.txt")
    }
}

extension SyntheticWeights.Preset: ExpressibleByArgument {}
