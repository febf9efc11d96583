import F5Bundle
import F5Text
import Foundation

/// The built-in default model: a synthetic F5 + Vocos bundle pair and the F5TTS_Base vocabulary in one folder.
public enum SyntheticModels {
    /// Writes `folder/f5tts`, `folder/vocos` and `folder/vocab.txt`.
    public static func write(preset: SyntheticWeights.Preset, seed: UInt64, to folder: String) throws {
        try SyntheticWeights.writeF5(preset.f5, seed: seed, to: (folder as NSString).appendingPathComponent("f5tts"))
        try SyntheticWeights.writeVocos(preset.vocos, seed: seed, to: (folder as NSString).appendingPathComponent("vocos"))
        let vocabulary = (folder as NSString).appendingPathComponent("vocab.txt")
        do { try AtomicFile.write(try Data(contentsOf: Vocabulary.builtInURL), to: vocabulary) } catch {
            throw BundleError.cannotWrite(file: vocabulary, reason: "\(error)")
        }
    }
}
