import F5Bundle
import Foundation

/// The built-in default model: the full-size synthetic bundle pair, created once and cached.
public enum DefaultModel {
    /// `$F5TTS_CACHE` or `~/.cache/f5tts`.
    public static var cacheFolder: String {
        if let custom = ProcessInfo.processInfo.environment["F5TTS_CACHE"], !custom.isEmpty { return custom }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/f5tts")
    }

    public static func folder(preset: SyntheticWeights.Preset, seed: UInt64 = 0) -> String {
        (cacheFolder as NSString).appendingPathComponent("synthetic-\(preset.rawValue)-seed\(seed)")
    }

    /// The folder of the synthetic model, written first when it is not there yet. Returns whether it was made now.
    @discardableResult
    public static func ensure(preset: SyntheticWeights.Preset, seed: UInt64 = 0) throws -> (path: String, created: Bool) {
        let path = folder(preset: preset, seed: seed)
        let fm = FileManager.default
        let complete = ["f5tts/manifest.json", "vocos/manifest.json", DefaultVocabulary.fileName]
            .allSatisfy { fm.fileExists(atPath: (path as NSString).appendingPathComponent($0)) }
        if complete { return (path, false) }
        try SyntheticModels.write(preset: preset, seed: seed, to: path)
        return (path, true)
    }
}
