import CSndFile
import Foundation

/// A growable in-memory file behind libsndfile's virtual I/O.
final class MemoryFile {
    var bytes: [UInt8] = []
    var position = 0
    /// Bytes already handed out (`takeNew`): final, later writes over them are dropped.
    var taken = 0

    /// The bytes written since the last call.
    func takeNew() -> Data {
        defer { taken = bytes.count }
        return Data(bytes[taken...])
    }

    static func from(_ user: UnsafeMutableRawPointer?) -> MemoryFile { Unmanaged<MemoryFile>.fromOpaque(user!).takeUnretainedValue() }

    static let virtualIO = SF_VIRTUAL_IO(
        get_filelen: { sf_count_t(MemoryFile.from($0).bytes.count) },
        seek: { offset, whence, user in
            let m = MemoryFile.from(user)
            let base = whence == SEEK_CUR ? m.position : whence == SEEK_END ? m.bytes.count : 0
            m.position = max(0, base + Int(offset))
            return sf_count_t(m.position)
        },
        read: { pointer, count, user in
            let m = MemoryFile.from(user)
            let n = max(0, min(Int(count), m.bytes.count - m.position))
            m.bytes.withUnsafeBytes { pointer!.copyMemory(from: $0.baseAddress! + m.position, byteCount: n) }
            m.position += n
            return sf_count_t(n)
        },
        write: { pointer, count, user in
            let m = MemoryFile.from(user)
            let n = Int(count), end = m.position + n
            if end > m.bytes.count { m.bytes.append(contentsOf: repeatElement(0, count: end - m.bytes.count)) }
            let from = max(m.position, m.taken)
            if from < end {
                m.bytes.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: from).copyMemory(from: pointer! + (from - m.position), byteCount: end - from) }
            }
            m.position = end
            return count
        },
        tell: { sf_count_t(MemoryFile.from($0).position) })
}
