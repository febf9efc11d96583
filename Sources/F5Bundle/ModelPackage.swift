import Foundation

/// What a model path holds: an F5 bundle, and where present a Vocos bundle, a vocabulary and
/// reference audio. A path is a bundle folder, a `manifest.json`, a folder holding several
/// bundles (the app layout), or the app archive `peyton_voice_q4.tar` read in place.
/// Bundles are recognised by their manifests' `format`, not by fixed paths.
public struct ModelPackage: Sendable {
    public let path: String
    /// Bundle roots by format, in the order found.
    public let bundles: [(format: String, tree: FileTree)]
    /// Vocabulary files (`*vocab*.txt`), as trees' relative paths.
    public let vocabularies: [(tree: FileTree, file: String)]
    public let referenceAudio: [(tree: FileTree, file: String)]

    public func tree(format: String) -> FileTree? { bundles.first { $0.format == format }?.tree }

    public static func open(path: String) throws -> ModelPackage {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BundleError.cannotOpen(file: path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue, path.hasSuffix("manifest.json") {
            return try open(path: (path as NSString).deletingLastPathComponent)
        }
        if isDirectory.boolValue {
            return try scanDirectory(path)
        }
        return try scanArchive(TarArchive(path: path), path: path)
    }

    private static func scanArchive(_ tar: TarArchive, path: String) throws -> ModelPackage {
        var bundles: [(String, FileTree)] = []
        var vocabularies: [(FileTree, String)] = []
        var audio: [(FileTree, String)] = []
        let root = FileTree.archive(tar, folder: "")
        for (member, region) in tar.members {
            let name = (member as NSString).lastPathComponent
            if name == "manifest.json", let format = formatOf(region) {
                bundles.append((format, .archive(tar, folder: (member as NSString).deletingLastPathComponent)))
            } else if isVocabulary(name) {
                vocabularies.append((root, member))
            } else if isAudio(name) {
                audio.append((root, member))
            }
        }
        guard !bundles.isEmpty else {
            throw BundleError.memberNotFound(archive: path, expected: "a manifest.json with format \(BundleFormat.f5) or \(BundleFormat.vocos)")
        }
        return ModelPackage(path: path, bundles: bundles, vocabularies: vocabularies, referenceAudio: audio)
    }

    private static func scanDirectory(_ path: String) throws -> ModelPackage {
        var bundles: [(String, FileTree)] = []
        var vocabularies: [(FileTree, String)] = []
        var audio: [(FileTree, String)] = []
        let root = FileTree.directory(path)
        let files = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
        for relative in files where !relative.hasPrefix(".") {
            let name = (relative as NSString).lastPathComponent
            if name == "manifest.json", let region = try? root.region(relative), let format = formatOf(region) {
                let folder = (relative as NSString).deletingLastPathComponent
                bundles.append((format, .directory(folder.isEmpty ? path : (path as NSString).appendingPathComponent(folder))))
            } else if isVocabulary(name) {
                vocabularies.append((root, relative))
            } else if isAudio(name) {
                audio.append((root, relative))
            } else if name.hasSuffix(".tar"), bundles.isEmpty, let inner = try? scanArchive(TarArchive(path: (path as NSString).appendingPathComponent(relative)), path: path) {
                // A download folder holding the app archive: its contents count as ours.
                bundles += inner.bundles.map { ($0.format, $0.tree) }
                vocabularies += inner.vocabularies.map { ($0.tree, $0.file) }
                audio += inner.referenceAudio.map { ($0.tree, $0.file) }
            }
        }
        guard !bundles.isEmpty else {
            throw BundleError.memberNotFound(archive: path, expected: "a manifest.json with format \(BundleFormat.f5) or \(BundleFormat.vocos)")
        }
        // Top-level bundles first: a release folder's own bundle wins over copies inside an archive.
        return ModelPackage(path: path, bundles: bundles, vocabularies: vocabularies, referenceAudio: audio)
    }

    private struct FormatOnly: Decodable { let format: String }

    private static func formatOf(_ region: ByteRegion) -> String? {
        guard let f = try? JSONDecoder().decode(FormatOnly.self, from: region.data()) else { return nil }
        return f.format == BundleFormat.f5 || f.format == BundleFormat.vocos ? f.format : nil
    }

    private static func isVocabulary(_ name: String) -> Bool { name.lowercased().contains("vocab") && name.hasSuffix(".txt") }
    private static func isAudio(_ name: String) -> Bool {
        ["wav", "flac", "ogg", "mp3"].contains((name as NSString).pathExtension.lowercased())
    }
}
