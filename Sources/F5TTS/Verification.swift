import F5Bundle
import F5Compute
import Foundation

/// `f5tts verify`: every checksum list that covers the path, then full structural validation of every bundle.
public struct VerificationReport: Sendable {
    public var checkedFiles: [Checksums.Result] = []
    public var checksumLists: [String] = []
    public var bundles: [BundleSummary] = []
    public var hashSeconds: Double = 0

    public var hashedBytes: Int { checkedFiles.reduce(0) { $0 + $1.bytes } }
    public var megabytesPerSecond: Double { hashSeconds > 0 ? Double(hashedBytes) / 1e6 / hashSeconds : 0 }

    /// Throws the first failure: a mismatching digest, a missing listed file or an invalid bundle.
    public static func verify(path: String) throws -> VerificationReport {
        try F5TTSError.wrapping { try check(path: path) }
    }

    private static func check(path: String) throws -> VerificationReport {
        var report = VerificationReport()
        let package = try ModelPackage.open(path: path)
        var lists: [FileTree] = []
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        // A release folder lists its files at its root; an archive is listed beside it.
        let root: FileTree = isDirectory.boolValue ? .directory(path) : .directory((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
        if root.exists(Checksums.fileName) { lists.append(root) }
        for entry in package.bundles where entry.tree.exists(Checksums.fileName) && entry.tree.displayName != root.displayName {
            lists.append(entry.tree)
        }
        let clock = Stopwatch()
        for tree in lists {
            report.checksumLists.append(tree.path(of: Checksums.fileName))
            report.checkedFiles += try Checksums.verify(tree: tree)
        }
        report.hashSeconds = clock.elapsed
        report.bundles = try BundleSummary.inspect(path: path)
        return report
    }
}
