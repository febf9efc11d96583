import ArgumentParser
import F5TTS

@main
struct F5TTSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "f5tts",
        abstract: "Run F5-TTS from its 4-bit bundle on the CPU.",
        version: f5ttsVersion,
        subcommands: [SpeakCommand.self, EditCommand.self, ServeCommand.self, BatchCommand.self, DemoCommand.self, BenchCommand.self, VocodeCommand.self, InspectCommand.self,
                      VerifyCommand.self, DoctorCommand.self, DownloadCommand.self, QuantizeCommand.self, MakeSyntheticCommand.self,
                      BenchChildCommand.self])

    static func main() async {
        await main(DashedValues.attached(Array(CommandLine.arguments.dropFirst())))
    }
}

/// ArgumentParser refuses any word of three or more leading dashes before it looks at the options, so
/// `--text "--- What to read next?"` would never reach --text. Such a word cannot be an option: it is
/// attached to the option before it (`--text=--- What to read next?`, `-t=---`), which ArgumentParser takes
/// as typed. One and two dashes need nothing: the value options parse unconditionally.
enum DashedValues {
    static func attached(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for argument in arguments {
            if argument.hasPrefix("---"), let option = out.last, isOption(option), !out.contains("--") {
                out[out.count - 1] = option + "=" + argument
            } else {
                out.append(argument)
            }
        }
        return out
    }

    /// `--name` or `-n`, without a value of its own.
    private static func isOption(_ word: String) -> Bool {
        guard word.hasPrefix("-"), !word.contains("=") else { return false }
        return word.hasPrefix("--") ? word.count > 2 : word.count == 2
    }
}

/// The release this binary is (`f5tts --version`).
let f5ttsVersion = "0.2.0"
