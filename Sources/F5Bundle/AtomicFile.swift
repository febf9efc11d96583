import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole files (or folders) or nothing, for every writer of the package: the content goes to a temporary
/// in the destination's folder, is flushed to disk, renamed over the destination, and the folder is
/// flushed. A crash or SIGKILL at any moment leaves the old file or the whole new one, never a part.
public enum AtomicFile {
    /// A write that failed, naming the file and the system's reason.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var reason: String
        public var description: String { "\(file): cannot write: \(reason)" }
    }

    /// Writes `data` to `path`. `temporary` (default: a hidden name beside `path`) must be on the same
    /// file system; it is removed when the write fails.
    public static func write(_ data: Data, to path: String, temporary: String? = nil) throws(Failure) {
        let temporary = temporary ?? temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(file: path, reason: "cannot create \(temporary): \(lastError())") }
        var failure: String?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = lastError(); return }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = lastError() }
        close(fd)
        if let failure {
            unlink(temporary)
            throw Failure(file: path, reason: failure)
        }
        try commit(temporary, to: path, synced: true)
    }

    /// Moves a finished file (written some other way, e.g. a download's partial file) over `path`:
    /// flushed first unless `synced`, then renamed, then the folder flushed.
    public static func commit(_ temporary: String, to path: String, synced: Bool = false) throws(Failure) {
        if !synced { try sync(temporary) }
        guard rename(temporary, path) == 0 else {
            let reason = lastError()
            unlink(temporary)
            throw Failure(file: path, reason: reason)
        }
        try sync(folder(of: path))
    }

    /// Puts the finished folder `staging` (beside `path`) in place of `path` in one step: every file in it
    /// and the folder itself flushed, then swapped with the old folder (or renamed, when there is none),
    /// the parent flushed, and the old folder, now at `staging`, removed.
    public static func commitFolder(_ staging: String, to path: String) throws(Failure) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: staging) } catch {
            throw Failure(file: staging, reason: error.localizedDescription)
        }
        for name in names { try sync((staging as NSString).appendingPathComponent(name)) }
        try sync(staging)
        if FileManager.default.fileExists(atPath: path) {
            guard exchange(staging, path) == 0 else { throw Failure(file: path, reason: lastError()) }
            try sync(folder(of: path))
            try? FileManager.default.removeItem(atPath: staging)
        } else {
            try commit(staging, to: path, synced: true)
        }
    }

    /// A hidden temporary name beside `path`, unique to this process and call.
    public static func temporaryPath(for path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return (folder(of: path) as NSString).appendingPathComponent(".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    }

    /// Flushes a file or folder to disk.
    static func sync(_ path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(file: path, reason: lastError()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(file: path, reason: lastError()) }
    }

    private static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func exchange(_ a: String, _ b: String) -> Int32 {
        #if os(Linux)
        // glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module leaves out.
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { errno = ENOSYS; return -1 }
        let renameExchange: UInt32 = 1 << 1  // RENAME_EXCHANGE in <stdio.h>
        return unsafeBitCast(symbol, to: RenameAt2.self)(AT_FDCWD, a, AT_FDCWD, b, renameExchange)
        #else
        return renamex_np(a, b, UInt32(RENAME_SWAP))
        #endif
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, buffer, count)
        #else
        return Darwin.write(fd, buffer, count)
        #endif
    }
}
