import ArgumentParser
import F5TTS

@main
struct F5TTSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "f5tts",
        abstract: "Run F5-TTS from its 4-bit bundle on the CPU.",
        version: f5ttsVersion,
        subcommands: [SpeakCommand.self, EditCommand.self, ServeCommand.self, BatchCommand.self, DemoCommand.self, BenchCommand.self, VocodeCommand.self, InspectCommand.self,
                      VerifyCommand.self, DownloadCommand.self, QuantizeCommand.self, MakeSyntheticCommand.self,
                      BenchChildCommand.self])
}

/// The release this binary is (`f5tts --version`).
let f5ttsVersion = "0.2.0"
