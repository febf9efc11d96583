import F5Bundle
import Foundation

/// The built-in default model: the full-size synthetic bundle pair, created once and cached.
public enum DefaultModel {
    /// `$F5TTS_CACHE` or `~/.cache/f5tts`.
    public static var cacheFolder: String {
        if let custom = ProcessInfo.processInfo.environment["F5TTS_CACHE"], !custom.isEmpty { return custom }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/f5tts")
    }

    /// Where the synthetic model of `preset` and `seed` is cached.
    public static func folder(preset: SyntheticWeights.Preset, seed: UInt64 = 0) -> String {
        (cacheFolder as NSString).appendingPathComponent("synthetic-\(preset.rawValue)-seed\(seed)")
    }

    /// The published release where `f5tts download` puts it by default: its app archive (which holds the
    /// vocoder and the vocabulary) when present, else the folder; nil when nothing was downloaded.
    public static var downloaded: String? {
        let folder = Downloader.defaultDirectory
        let archive = (folder as NSString).appendingPathComponent("peyton_voice_q4.tar")
        if FileManager.default.fileExists(atPath: archive) { return archive }
        return FileManager.default.fileExists(atPath: folder) ? folder : nil
    }

    /// The folder of the synthetic model, written first when it is not there yet. Returns whether it was made now.
    @discardableResult
    public static func ensure(preset: SyntheticWeights.Preset, seed: UInt64 = 0) throws -> (path: String, created: Bool) {
        let path = folder(preset: preset, seed: seed)
        let fm = FileManager.default
        let complete = ["f5tts/manifest.json", "vocos/manifest.json", "vocab.txt"]
            .allSatisfy { fm.fileExists(atPath: (path as NSString).appendingPathComponent($0)) }
        if complete { return (path, false) }
        try F5TTSError.wrapping { try SyntheticModels.write(preset: preset, seed: seed, to: path) }
        return (path, true)
    }
}
