import CSndFile
import Foundation

/// Container of a written file.
public enum AudioFormat: String, CaseIterable, Sendable {
    case wav, flac, raw

    /// From a file name's extension (`.wav`, `.flac`, `.raw`/`.pcm`); nil when unknown.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "raw", "pcm": self = .raw
        default: return nil
        }
    }
}

/// Sample encoding of a written file. PCM is clipped to [-1, 1]; float32 is written as is.
public enum SampleFormat: String, CaseIterable, Sendable {
    case pcm16, float32
}

/// Writes mono float audio with libsndfile, to a file or to stdout ("-").
///
/// The file is encoded in memory (libsndfile virtual I/O, so WAV works on pipes too), written to a
/// temporary file in the destination folder and renamed over the destination: a failed run leaves
/// no partial file.
public enum AudioWriter {
    public static func write(samples: [Float], sampleRate: Int, to path: String, format: AudioFormat? = nil,
                             sampleFormat: SampleFormat = .pcm16) throws {
        let format = format ?? AudioFormat(pathExtension: (path as NSString).pathExtension) ?? .wav
        let bytes = try encode(samples: samples, sampleRate: sampleRate, format: format, sampleFormat: sampleFormat, name: path)
        if path == "-" {
            do { try FileHandle.standardOutput.write(contentsOf: bytes) } catch {
                throw AudioError.cannotWrite(file: "standard output", reason: error.localizedDescription)
            }
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try bytes.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw AudioError.cannotWrite(file: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? AudioError { throw error }
            throw AudioError.cannotWrite(file: path, reason: error.localizedDescription)
        }
    }

    /// The complete file contents.
    public static func encode(samples: [Float], sampleRate: Int, format: AudioFormat, sampleFormat: SampleFormat,
                              name: String = "output") throws -> Data {
        guard sampleRate > 0 else {
            throw AudioError.invalidArgument(name: "sample rate", expected: "a positive rate", found: "\(sampleRate)")
        }
        if format == .flac && sampleFormat == .float32 {
            throw AudioError.invalidArgument(name: "\(name): sample format", expected: "pcm16 for FLAC (FLAC stores integers)",
                                             found: "float32")
        }
        let container: Int32
        switch format {
        case .wav: container = Int32(SF_FORMAT_WAV)
        case .flac: container = Int32(SF_FORMAT_FLAC)
        case .raw: container = Int32(SF_FORMAT_RAW) | Int32(bitPattern: UInt32(SF_ENDIAN_LITTLE))
        }
        let encoding = sampleFormat == .pcm16 ? Int32(SF_FORMAT_PCM_16) : Int32(SF_FORMAT_FLOAT)
        var info = SF_INFO(frames: 0, samplerate: Int32(sampleRate), channels: 1, format: container | encoding, sections: 0, seekable: 0)
        let memory = MemoryFile()
        var io = MemoryFile.virtualIO
        guard let file = sf_open_virtual(&io, Int32(SFM_WRITE), &info, Unmanaged.passUnretained(memory).toOpaque()) else {
            throw AudioError.cannotWrite(file: name, reason: String(cString: sf_strerror(nil)))
        }
        if sampleFormat == .pcm16 { sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE)) }
        let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t($0.count)) }
        let error = written == samples.count ? nil : String(cString: sf_strerror(file))
        sf_close(file)
        if let error { throw AudioError.cannotWrite(file: name, reason: error) }
        return Data(memory.bytes)
    }
}

/// A growable in-memory file behind libsndfile's virtual I/O.
private final class MemoryFile {
    var bytes: [UInt8] = []
    var position = 0

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
            m.bytes.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: m.position).copyMemory(from: pointer!, byteCount: n) }
            m.position = end
            return count
        },
        tell: { sf_count_t(MemoryFile.from($0).position) })
}
