import ArgumentParser
import F5TTS
import Foundation
import TOMLKit

/// An F5-TTS `infer_cli` config file (`-c FILE.toml`): the top-level fields and `[voices.NAME]` tables
/// with their own reference. Paths are relative to the file. Unknown fields are ignored, as F5 does.
struct InferenceConfig {
    /// A voice's reference clip and transcript (and its own speed, which replaces the global one).
    struct VoiceEntry {
        var refAudio: String?
        var refText: String?
        var speed: SettingValue?
    }

    var model: String?
    /// An F5-TTS model name the file gave as `model` (F5's examples do): not a bundle, so not used.
    var modelName: String?
    var vocabFile: String?
    var refAudio: String?
    var refText: String?
    var genText: String?
    var genFile: String?
    var outputDir: String?
    var outputFile: String?
    var saveChunk: Bool?
    /// The synthesis settings the file gives, checked (keyed by F5-TTS's names, as in the file).
    var synthesis: [String: SettingValue] = [:]
    var voices: [String: VoiceEntry] = [:]

    init() {}

    init(path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("--config \(path): cannot read it: \(error.localizedDescription)")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw ValidationError("--config \(path):\(error.source.begin.line):\(error.source.begin.column): not valid TOML: \(error.description)")
        }
        let fields = Fields(table: table, file: path, prefix: "")
        let folder = (path as NSString).deletingLastPathComponent
        func relative(_ value: String?) -> String? {
            guard let value, !value.isEmpty, !value.hasPrefix("/") else { return value }
            return folder.isEmpty ? value : (folder as NSString).appendingPathComponent(value)
        }
        // `ckpt_file` names a checkpoint in F5-TTS; here both it and `model` may name a bundle path.
        let ckpt = try fields.string("ckpt_file")
        model = try relative(ckpt.nonEmpty ?? fields.string("model"))
        vocabFile = relative(try fields.string("vocab_file").nonEmpty)
        refAudio = relative(try fields.string("ref_audio"))
        refText = try fields.string("ref_text")
        genText = try fields.string("gen_text")
        genFile = relative(try fields.string("gen_file").nonEmpty)
        outputDir = relative(try fields.string("output_dir"))
        outputFile = try fields.string("output_file")
        saveChunk = try fields.bool("save_chunk")
        for setting in SynthesisSetting.all {
            if let value = try fields.setting(setting) { synthesis[setting.name] = value }
        }
        if let model, ModelOptions.f5ModelNames.contains((model as NSString).lastPathComponent),
           !FileManager.default.fileExists(atPath: model) {
            modelName = (model as NSString).lastPathComponent
            self.model = nil
        }
        if let voiceTables = table["voices"] {
            guard let voiceTables = voiceTables.table else { throw ValidationError("--config \(path): 'voices' must be a table of [voices.NAME] tables") }
            for name in voiceTables.keys {
                guard let entry = voiceTables[name]?.table else {
                    throw ValidationError("--config \(path): voices.\(name) must be a table with ref_audio and ref_text")
                }
                let f = Fields(table: entry, file: path, prefix: "voices.\(name).")
                voices[name] = VoiceEntry(refAudio: relative(try f.string("ref_audio")), refText: try f.string("ref_text"),
                                          speed: try f.setting(SynthesisSetting.named("speed")!))
            }
        }
    }

    /// Typed access to one table's fields, with errors naming the file and the field.
    private struct Fields {
        let table: TOMLTable
        let file: String
        let prefix: String

        func string(_ key: String) throws -> String? { try value(key, "a string") { $0.string } }
        func bool(_ key: String) throws -> Bool? { try value(key, "true or false") { $0.bool } }

        /// A synthesis setting, checked by the table (TOML keeps integers and floats apart; the table
        /// takes `speed = 1` as a number all the same).
        func setting(_ setting: SynthesisSetting) throws -> SettingValue? {
            guard let raw = table[setting.name] else { return nil }
            let value: SettingValue = raw.bool.map(SettingValue.boolean) ?? raw.int.map(SettingValue.integer)
                ?? raw.double.map(SettingValue.number) ?? raw.string.map(SettingValue.text) ?? .other(raw.debugDescription)
            do { return try setting.validate(value) } catch let error as F5TTSError {
                throw ValidationError("--config \(file): \(error.renamingArgument(to: "field '\(prefix)\(setting.name)'"))")
            }
        }

        private func value<T>(_ key: String, _ expected: String, _ read: (TOMLValueConvertible) -> T?) throws -> T? {
            guard let raw = table[key] else { return nil }
            guard let value = read(raw) else {
                throw ValidationError("--config \(file): field '\(prefix)\(key)' must be \(expected), found \(raw.debugDescription)")
            }
            return value
        }
    }
}

private extension Optional where Wrapped == String {
    /// nil for an empty string too: F5-TTS's configs write `gen_file = ""` for "none".
    var nonEmpty: String? { flatMap { $0.isEmpty ? nil : $0 } }
}
