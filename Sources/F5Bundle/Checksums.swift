import Crypto
import Foundation

/// `checksums.sha256` in sha256sum style: one `<64 hex>  <relative path>` line per file.
public enum Checksums {
    public static let fileName = "checksums.sha256"

    public struct Line: Equatable, Sendable {
        public let digest: String
        public let path: String
    }

    public struct Result: Sendable {
        public let path: String
        public let bytes: Int
    }

    public static func parse(_ text: String, file: String) throws -> [Line] {
        var lines: [Line] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let digest = line.prefix(64).lowercased()
            let rest = line.dropFirst(64)
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit), rest.hasPrefix(" "), rest.count >= 2 else {
                throw BundleError.malformedChecksums(file: file, line: number + 1, text: String(line))
            }
            // "  name" (text mode) or " *name" (binary mode).
            var name = rest.dropFirst()
            if name.first == " " || name.first == "*" { name = name.dropFirst() }
            lines.append(Line(digest: digest, path: String(name)))
        }
        return lines
    }

    /// SHA-256 of a region, hashed in place from the mapping.
    public static func sha256(_ region: ByteRegion) -> String {
        var hasher = SHA256()
        region.withBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Verifies every file listed in `checksums.sha256` at the root of `tree`.
    @discardableResult
    public static func verify(tree: FileTree) throws -> [Result] {
        let listName = tree.path(of: fileName)
        let text = try tree.region(fileName).text()
        var results: [Result] = []
        for line in try parse(text, file: listName) {
            let region = try tree.region(line.path)
            let found = sha256(region)
            guard found == line.digest else {
                throw BundleError.checksumMismatch(file: tree.path(of: line.path), expected: line.digest, found: found)
            }
            results.append(Result(path: line.path, bytes: region.count))
        }
        return results
    }

    /// The list a writer emits for `files` of `folder`, sorted by name.
    public static func write(folder: String, files: [String]) throws {
        var text = ""
        for name in files.sorted() {
            let region = try MappedFile(path: (folder as NSString).appendingPathComponent(name)).region
            text += "\(sha256(region))  \(name)\n"
        }
        let path = (folder as NSString).appendingPathComponent(fileName)
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw BundleError.cannotWrite(file: path, reason: error.localizedDescription)
        }
    }
}
