import CSndFile
import Foundation

/// A decoded audio file as integer samples, the form pydub holds it in.
///
/// F5-TTS loads the reference with pydub: WAV directly (the stored integers), anything else through
/// ffmpeg into PCM of the source's bit depth (16-bit for lossy formats). `samples` are those integers,
/// interleaved, at full scale ±2^(8·sampleWidth−1).
public struct DecodedAudio: Sendable, Equatable {
    public let sampleRate: Int
    public let channels: Int
    /// Bytes per sample pydub works with: 1, 2 or 4.
    public let sampleWidth: Int
    public let samples: [Int32]

    public init(sampleRate: Int, channels: Int, sampleWidth: Int, samples: [Int32]) {
        self.sampleRate = sampleRate; self.channels = channels; self.sampleWidth = sampleWidth; self.samples = samples
    }

    public var frames: Int { samples.count / channels }
    public var seconds: Double { Double(frames) / Double(sampleRate) }

    /// float32 as soundfile reads PCM: value / 2^(bits−1).
    public var floatSamples: [Float] {
        let scale = Float(1) / Float(1 << (8 * sampleWidth - 1))
        return samples.map { Float($0) * scale }
    }
}

/// Reads any format libsndfile knows (WAV, FLAC, OGG/Vorbis, AIFF, ...).
public enum AudioFile {
    /// What a reader may decode: at most `maxSeconds`, and at most `maxSamples` values (frames × channels),
    /// so a small file that claims or holds hours of audio is refused, never decoded whole (a 272 KB FLAC
    /// holds 30 minutes of a constant level).
    public struct Budget: Sendable {
        public var maxSeconds: Double
        public var maxSamples: Int
        public init(maxSeconds: Double, maxSamples: Int) { self.maxSeconds = maxSeconds; self.maxSamples = maxSamples }
        /// `maxSeconds` of 48 kHz stereo.
        public init(seconds: Double) { self.init(maxSeconds: seconds, maxSamples: Int(seconds * 48000 * 2)) }

        /// The frames that may be decoded from a stream of `rate` Hz and `channels` channels.
        func maxFrames(rate: Int, channels: Int) -> Int { min(Int(maxSeconds * Double(rate)), maxSamples / channels) }
    }

    /// Decodes the whole file, or, with a `budget`, refuses it from its header when it claims more, and
    /// stops decoding (and refuses it) as soon as it holds more than its header said.
    public static func read(path: String, budget: Budget? = nil) throws -> DecodedAudio {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AudioError.cannotOpen(file: path, reason: "no such file")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw AudioError.empty(file: path)
        }
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError.cannotOpen(file: path, reason: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(file) }
        let channels = Int(info.channels)
        guard channels > 0, info.samplerate > 0 else {
            throw AudioError.unsupported(file: path, expected: "a positive sample rate and channel count",
                                         found: "\(info.samplerate) Hz, \(channels) channels")
        }
        let maxFrames = budget.map { $0.maxFrames(rate: Int(info.samplerate), channels: channels) } ?? Int.max
        func tooLong(_ frames: Int) -> AudioError {
            .tooLong(file: path, seconds: Double(frames) / Double(info.samplerate), maximum: budget?.maxSeconds ?? .infinity)
        }
        // The header's length first (libsndfile counts it without decoding; the maximum means unknown).
        if info.frames != sf_count_t.max, info.frames > maxFrames { throw tooLong(Int(info.frames)) }
        let reader = BlockReader(file: file, channels: channels, path: path, maxFrames: maxFrames)
        let subtype = info.format & Int32(SF_FORMAT_SUBMASK)
        let samples: [Int32]
        let width: Int
        switch subtype {
        case Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8):
            width = 1
            samples = try reader.ints().map { $0 >> 24 }
        case Int32(SF_FORMAT_PCM_16):
            width = 2
            samples = try reader.ints().map { $0 >> 16 }
        case Int32(SF_FORMAT_PCM_24), Int32(SF_FORMAT_PCM_32):
            // ffmpeg hands 24-bit sources to pydub as full-scale 32-bit PCM. (pydub's own WAV path keeps
            // 24-bit values unscaled in 32-bit words, 48 dB too quiet, which trims everything; not mirrored.)
            width = 4
            samples = try reader.ints()
        case Int32(SF_FORMAT_FLOAT), Int32(SF_FORMAT_DOUBLE):
            width = 4  // ffmpeg: pcm_f32le -> pcm_s32le
            samples = try quantize(reader.doubles(), bits: 32)
        default:
            width = 2  // lossy and companded codecs reach pydub as 16-bit PCM
            samples = try quantize(reader.doubles(), bits: 16)
        }
        if samples.count / channels > maxFrames { throw tooLong(samples.count / channels) }
        guard !samples.isEmpty else { throw AudioError.empty(file: path) }
        return DecodedAudio(sampleRate: Int(info.samplerate), channels: channels, sampleWidth: width, samples: samples)
    }

    /// Reads an open file in blocks, stopping one frame past `maxFrames` (enough to tell the file is too long).
    private struct BlockReader {
        static let blockFrames = 1 << 16
        let file: OpaquePointer, channels: Int, path: String, maxFrames: Int

        /// Left-justified 32-bit integers (libsndfile's `sf_readf_int`), exact for every PCM depth.
        func ints() throws -> [Int32] { try blocks { sf_readf_int(file, $0, $1) } }
        func doubles() throws -> [Double] { try blocks { sf_readf_double(file, $0, $1) } }

        private func blocks<T: Numeric>(_ read: (UnsafeMutablePointer<T>, sf_count_t) -> sf_count_t) throws -> [T] {
            var all: [T] = []
            var block = [T](repeating: 0, count: Self.blockFrames * channels)
            while all.count / channels <= maxFrames {
                let got = block.withUnsafeMutableBufferPointer { read($0.baseAddress!, sf_count_t(Self.blockFrames)) }
                if got <= 0 { break }
                all.append(contentsOf: block[0..<(Int(got) * channels)])
            }
            if sf_error(file) != 0 {
                throw AudioError.readFailed(file: path, reason: String(cString: sf_strerror(file)))
            }
            return all
        }
    }

    /// ffmpeg's float -> signed integer conversion: round half to even, saturate.
    private static func quantize(_ x: [Double], bits: Int) -> [Int32] {
        let scale = Double(Int64(1) << (bits - 1))
        let high = scale - 1, low = -scale
        return x.map { v in
            let r = (v * scale).rounded(.toNearestOrEven)
            return r.isNaN ? 0 : Int32(min(max(r, low), high))
        }
    }
}
