import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Weights are viewed in place, never copied at load.
public final class MappedFile: Sendable {
    public let path: String
    public let count: Int
    /// The mapping, unmapped when the last view of it goes.
    private let mapping: ReadOnlyPointer

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BundleError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BundleError.cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw BundleError.cannotOpen(file: path, reason: "not a regular file") }
        count = Int(info.st_size)
        if count == 0 {
            // mmap refuses empty mappings; an empty file still has a valid (empty) view.
            mapping = ReadOnlyPointer(Mapping(base: UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16), count: 0))
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw BundleError.cannotOpen(file: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        mapping = ReadOnlyPointer(Mapping(base: p, count: count))
    }

    /// The first byte of the file.
    public var base: UnsafeRawPointer { mapping.pointer }

    /// Drops the resident pages that cover `range` (bytes of the file) from this process. The mapping is
    /// private and never written, so a later read simply faults the bytes back in from the file: this only
    /// lowers the resident set after a copy (e.g. repacked weights) has replaced the original.
    public func releasePages(_ range: Range<Int>) {
        guard count > 0, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min((range.upperBound + page - 1) / page * page, (count + page - 1) / page * page)
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }

    /// The whole file as a region.
    public var region: ByteRegion { ByteRegion(file: self, offset: 0, count: count, name: path) }
}

/// A byte range inside a mapped file (a whole file, or a member of a tar archive). Keeps the map alive.
public struct ByteRegion: Sendable {
    public let file: MappedFile
    public let offset: Int
    public let count: Int
    /// The name errors use: a path, or `archive.tar:member/path`.
    public let name: String

    /// Valid only while `file` is alive: views that outlive this value keep `file` themselves.
    public var pointer: UnsafeRawPointer { file.base + offset }

    /// Runs `body` over the bytes while the mapping is guaranteed to stay alive.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(file) { try body(UnsafeRawBufferPointer(start: pointer, count: count)) }
    }

    public func data() -> Data { withBytes { Data($0) } }
    public func text() -> String { withBytes { String(decoding: $0, as: UTF8.self) } }
}

/// Owns the pages of a `MappedFile`, or for an empty file the byte standing in for them.
private final class Mapping {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(base: UnsafeMutableRawPointer, count: Int) { self.base = base; self.count = count }

    deinit {
        if count > 0 { munmap(base, count) } else { base.deallocate() }
    }
}

extension ReadOnlyPointer {
    fileprivate init(_ mapping: Mapping) { self.init(UnsafeRawPointer(mapping.base), owner: mapping) }
}
