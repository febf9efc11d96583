import F5Bundle
import F5Text
import Foundation

/// The bundles one synthesis needs, found and loaded from the paths a user gives: the F5 bundle, the
/// Vocos bundle (inside the same package, or beside the model folder, unless given) and the vocabulary (a
/// `*vocab*.txt` in the package or beside it, unless given; F5-TTS's own vocabulary otherwise), checked
/// to fit together.
public struct ModelFiles: Sendable {
    /// The F5 DiT bundle.
    public let f5: WeightBundle
    /// The Vocos bundle.
    public let vocoder: WeightBundle
    /// The vocabulary file's text (one token per line).
    public let vocabularyText: String
    /// Where the vocabulary came from, for messages.
    public let vocabularySource: String

    /// What names these weights: the bundles' checksum lists (which cover every tensor byte, else their
    /// manifests), the vocabulary and the convention in force. Cheap: nothing is loaded or hashed.
    public var identityText: String {
        var parts: [String] = []
        for bundle in [f5, vocoder] {
            parts.append((try? bundle.tree.region(Checksums.fileName).text())
                         ?? (try? bundle.tree.region("manifest.json").text()) ?? bundle.tree.displayName)
        }
        parts.append(vocabularyText)
        parts.append(f5.conventionOverride?.rawValue ?? "manifest")
        return parts.joined(separator: "\u{0}")
    }

    /// Finds and loads the bundles. `convention` replaces the manifest's RoPE / text-mask convention.
    public static func locate(model: String, vocoder vocoderPath: String? = nil, vocabulary vocabularyPath: String? = nil,
                              convention: F5Convention? = nil) throws -> ModelFiles {
        try F5TTSError.wrapping {
            try load(model: model, vocoder: vocoderPath, vocabulary: vocabularyPath, convention: convention)
        }
    }

    private static func load(model: String, vocoder vocoderPath: String?, vocabulary vocabularyPath: String?,
                             convention: F5Convention?) throws -> ModelFiles {
        let package = try ModelPackage.open(path: model)
        guard let f5Tree = package.tree(format: BundleFormat.f5) else {
            throw F5TTSError.notFound(what: "\(BundleFormat.f5) bundle", searched: model, hint: "give the model with --model")
        }
        let f5 = try WeightBundle.load(tree: f5Tree, convention: convention)
        // A bundle folder's neighbours count: the synthetic layout keeps f5tts/, vocos/ and vocab.txt side by side.
        let neighbourhood = isBundleFolder(model) ? try? ModelPackage.open(path: (model as NSString).deletingLastPathComponent) : nil

        let vocoder: WeightBundle
        if let vocoderPath {
            let vocoderPackage = try ModelPackage.open(path: vocoderPath)
            guard let tree = vocoderPackage.tree(format: BundleFormat.vocos) else {
                throw F5TTSError.notFound(what: "\(BundleFormat.vocos) bundle", searched: vocoderPath, hint: "give the vocoder with --vocoder")
            }
            vocoder = try WeightBundle.load(tree: tree)
        } else if let tree = package.tree(format: BundleFormat.vocos) ?? neighbourhood?.tree(format: BundleFormat.vocos) {
            vocoder = try WeightBundle.load(tree: tree)
        } else {
            throw F5TTSError.notFound(what: "Vocos bundle", searched: model, hint: "give the vocoder with --vocoder")
        }

        let text: String, source: String
        if let vocabularyPath {
            do { text = try String(contentsOfFile: vocabularyPath, encoding: .utf8) } catch {
                throw BundleError.cannotOpen(file: vocabularyPath, reason: error.localizedDescription)
            }
            source = vocabularyPath
        } else if let found = package.vocabularies.first ?? neighbourhood?.vocabularies.first {
            text = try found.tree.region(found.file).text()
            source = found.tree.path(of: found.file)
        } else {
            let url = Vocabulary.builtInURL
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw BundleError.cannotOpen(file: url.path, reason: error.localizedDescription)
            }
            source = "the built-in F5-TTS vocabulary"
        }

        let files = ModelFiles(f5: f5, vocoder: vocoder, vocabularyText: text, vocabularySource: source)
        try files.checkFit()
        return files
    }

    private static func isBundleFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("manifest.json"))
    }

    /// The model, the vocoder and the vocabulary must describe the same mel space and token table.
    private func checkFit() throws {
        guard let a = f5.f5Architecture, let v = vocoder.vocosArchitecture else { return }
        if a.melDim != v.inputChannels || a.sampleRate != v.sampleRate {
            throw F5TTSError.mismatch("model \(f5.tree.displayName) makes \(a.melDim) mel bands at \(a.sampleRate) Hz but vocoder "
                                   + "\(vocoder.tree.displayName) takes \(v.inputChannels) at \(v.sampleRate) Hz")
        }
        let tokens = vocabularyText.split(separator: "\n", omittingEmptySubsequences: false).count
            - (vocabularyText.hasSuffix("\n") ? 1 : 0)
        if let size = f5.vocabularySize, tokens > size {
            throw F5TTSError.mismatch("vocabulary \(vocabularySource) has \(tokens) tokens but model \(f5.tree.displayName) embeds \(size)")
        }
    }
}
