import CSndFile
import F5Bundle
import Foundation

/// Container of a written file: what Debian's libsndfile 1.2 writes (it links LAME, libopus and libFLAC).
public enum AudioFormat: String, CaseIterable, Sendable {
    /// RIFF/WAVE.
    case wav
    case flac
    /// Headerless little-endian samples (OpenAI's `pcm`: s16le).
    case raw
    /// MPEG-1 Layer III at a constant bit rate (a VBR stream without its tag is mis-timed by readers).
    case mp3
    /// Opus in Ogg (24 kHz is one of Opus's rates).
    case opus

    /// From a file name's extension or a format name (`wav`, `flac`, `raw`/`pcm`, `mp3`, `opus`/`ogg`);
    /// nil when unknown.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "raw", "pcm": self = .raw
        case "mp3": self = .mp3
        case "opus", "ogg": self = .opus
        default: return nil
        }
    }

    /// Whether samples are stored as integers or lossily: float32 samples need WAV or raw.
    var storesFloat: Bool { self == .wav || self == .raw }
}

/// Sample encoding of a written file. PCM is clipped to [-1, 1]; float32 is written as is.
public enum SampleFormat: String, CaseIterable, Sendable {
    case pcm16, float32
}

/// Writes mono float audio with libsndfile, to a file or to stdout ("-").
///
/// The file is encoded in memory (libsndfile virtual I/O, so WAV works on pipes too) and written whole
/// or not at all (`AtomicFile`): a failed or killed run leaves the old file or none, never a part.
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
        do { try AtomicFile.write(bytes, to: path) } catch {
            throw AudioError.cannotWrite(file: error.file, reason: error.reason)
        }
    }

    /// The complete file contents.
    public static func encode(samples: [Float], sampleRate: Int, format: AudioFormat, sampleFormat: SampleFormat,
                              name: String = "output") throws -> Data {
        var info = try sndfileInfo(sampleRate: sampleRate, format: format, sampleFormat: sampleFormat, name: name)
        let memory = MemoryFile()
        var io = MemoryFile.virtualIO
        guard let file = sf_open_virtual(&io, Int32(SFM_WRITE), &info, Unmanaged.passUnretained(memory).toOpaque()) else {
            throw AudioError.cannotWrite(file: name, reason: String(cString: sf_strerror(nil)))
        }
        configure(file, format: format, sampleFormat: sampleFormat)
        let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t($0.count)) }
        let error = written == samples.count ? nil : String(cString: sf_strerror(file))
        sf_close(file)
        if let error { throw AudioError.cannotWrite(file: name, reason: error) }
        return Data(memory.bytes)
    }

    /// libsndfile's own version string, e.g. "libsndfile-1.2.0".
    public static var libraryVersion: String { String(cString: sf_version_string()) }

    /// Whether this libsndfile writes `format`: a short silence is encoded with the settings every write
    /// uses, since `sf_format_check` only says the format code is valid, not that the encoder (LAME,
    /// libopus, libFLAC) was built in.
    public static func canWrite(_ format: AudioFormat) -> Bool {
        (try? encode(samples: [Float](repeating: 0, count: 2400), sampleRate: 24000, format: format, sampleFormat: .pcm16)) != nil
    }

    /// libsndfile's description of a mono file of `format`, after checking what the format can hold.
    static func sndfileInfo(sampleRate: Int, format: AudioFormat, sampleFormat: SampleFormat, name: String) throws -> SF_INFO {
        guard sampleRate > 0 else {
            throw AudioError.invalidArgument(name: "sample rate", expected: "a positive rate", found: "\(sampleRate)")
        }
        if !format.storesFloat && sampleFormat == .float32 {
            throw AudioError.invalidArgument(name: "\(name): sample format", expected: "pcm16 for \(format.rawValue) (only wav and raw store float32)",
                                             found: "float32")
        }
        if format == .opus && ![8000, 12000, 16000, 24000, 48000].contains(sampleRate) {
            throw AudioError.invalidArgument(name: "\(name): sample rate", expected: "8, 12, 16, 24 or 48 kHz for Opus", found: "\(sampleRate) Hz")
        }
        let pcm = sampleFormat == .pcm16 ? Int32(SF_FORMAT_PCM_16) : Int32(SF_FORMAT_FLOAT)
        let type: Int32
        switch format {
        case .wav: type = Int32(SF_FORMAT_WAV) | pcm
        case .flac: type = Int32(SF_FORMAT_FLAC) | pcm
        case .raw: type = Int32(SF_FORMAT_RAW) | Int32(bitPattern: UInt32(SF_ENDIAN_LITTLE)) | pcm
        case .mp3: type = Int32(SF_FORMAT_MPEG) | Int32(SF_FORMAT_MPEG_LAYER_III)
        case .opus: type = Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_OPUS)
        }
        return SF_INFO(frames: 0, samplerate: Int32(sampleRate), channels: 1, format: type, sections: 0, seekable: 0)
    }

    /// Clipping for PCM (as soundfile opens files) and the mp3 encoder's settings.
    static func configure(_ file: OpaquePointer, format: AudioFormat, sampleFormat: SampleFormat) {
        if sampleFormat == .pcm16 { sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE)) }
        if format == .mp3 {
            var mode = Int32(SF_BITRATE_MODE_CONSTANT)
            sf_command(file, Int32(SFC_SET_BITRATE_MODE), &mode, Int32(MemoryLayout<Int32>.size))
            // libsndfile's default level gives 32 kbit/s at 24 kHz; 0.25 gives speech a clean 128 kbit/s.
            var level = 0.25
            sf_command(file, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        }
    }
}

extension AudioWriter {
    /// libsndfile's float -> little-endian PCM16 with clipping on, as soundfile opens files
    /// (libsndfile 1.2.2 `src/pcm.c: f2les_clip_array`, soundfile 0.14's bundled library): scaled to
    /// 2^31 in float, rounded to 32 bits, then the top 16 bits kept, so the result is floored, not
    /// rounded, at 16 bits (libsndfile's unreleased development branch has since switched to rounding).
    /// NaN fails both clip tests and converts (x86-64 `cvtss2si`) to INT32_MIN.
    static func pcm16(_ x: Float) -> Int32 {
        let scaled = x * 2_147_483_648
        if Double(scaled) >= 2_147_483_647 { return 32767 }
        if scaled <= -2_147_483_648 || scaled.isNaN { return -32768 }
        return Int32(scaled.rounded(.toNearestOrEven)) >> 16
    }
}
