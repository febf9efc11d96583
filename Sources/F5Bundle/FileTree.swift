import Foundation

/// Where bundle files live: a folder on disk, or a folder inside a tar archive read in place.
public enum FileTree: Sendable {
    case directory(String)
    case archive(TarArchive, folder: String)

    /// A readable name for messages: the folder, or `archive.tar:folder`.
    public var displayName: String {
        switch self {
        case let .directory(path): return path
        case let .archive(tar, folder): return folder.isEmpty ? tar.file.path : "\(tar.file.path):\(folder)"
        }
    }

    public func path(of relative: String) -> String {
        switch self {
        case let .directory(path): return (path as NSString).appendingPathComponent(relative)
        case let .archive(tar, folder): return "\(tar.file.path):" + FileTree.join(folder, relative)
        }
    }

    /// Maps one file of the tree.
    public func region(_ relative: String) throws -> ByteRegion {
        switch self {
        case let .directory(path):
            return try MappedFile(path: (path as NSString).appendingPathComponent(relative)).region
        case let .archive(tar, folder):
            guard let region = tar.member(FileTree.join(folder, relative)) else {
                throw BundleError.memberNotFound(archive: tar.file.path, expected: FileTree.join(folder, relative))
            }
            return region
        }
    }

    public func exists(_ relative: String) -> Bool {
        switch self {
        case let .directory(path): return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(relative))
        case let .archive(tar, folder): return tar.member(FileTree.join(folder, relative)) != nil
        }
    }

    static func join(_ folder: String, _ relative: String) -> String {
        folder.isEmpty ? relative : folder + "/" + relative
    }
}
