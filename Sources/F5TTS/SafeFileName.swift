import Foundation

/// Whether `name` can be used as a file name as it is, on any file system, without a path or a hidden
/// file: 1 to `maxLength` ASCII letters, digits, `-`, `_` or `.`, not starting with `.`. Voice names
/// and batch job ids both follow it.
public func isSafeFileName(_ name: String, maxLength: Int) -> Bool {
    !name.isEmpty && name.utf8.count <= maxLength && !name.hasPrefix(".")
        && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
}
