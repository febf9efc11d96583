import ArgumentParser
import F5TTS

@main
struct F5TTSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "f5tts",
        abstract: "Run F5-TTS from its 4-bit bundle on the CPU.",
        subcommands: [InspectCommand.self, VerifyCommand.self, QuantizeCommand.self, MakeSyntheticCommand.self, SpeakCommand.self, VocodeCommand.self, DownloadCommand.self])
}
