import CSndFile
import Foundation
import Synchronization

/// Audio encoded as it is produced, for pipes and streamed HTTP bodies: `header`, then `encode` per piece,
/// then `finish`; the parts concatenate to a complete stream.
///
/// WAV gets a header with the 0xFFFFFFFF sizes of a stream of unknown length (as OpenAI's streamed WAV
/// has; libsndfile refuses to write WAV to a pipe); raw is the bare samples. Both are converted exactly as
/// `AudioWriter` converts them. mp3, Ogg/Opus and FLAC come from libsndfile as it encodes
/// (`SndfileStream`), without the header patches it would make at close, so what comes out is a valid
/// stream as it goes. Pieces are encoded one after another, in the order of the calls.
public final class AudioStreamEncoder: Sendable {
    public let format: AudioFormat
    public let sampleFormat: SampleFormat
    public let sampleRate: Int
    /// What goes before the first samples: the 44-byte WAV header, nothing for raw, the encoder's first
    /// bytes for the others.
    public let header: Data
    /// libsndfile's stream state, for the formats it encodes; one call at a time changes it.
    private let sndfile: Mutex<SndfileStream?>

    public init(format: AudioFormat, sampleFormat: SampleFormat, sampleRate: Int) throws {
        self.format = format; self.sampleFormat = sampleFormat; self.sampleRate = sampleRate
        switch format {
        case .wav: header = Self.wavHeader(sampleFormat: sampleFormat, sampleRate: sampleRate); sndfile = Mutex(nil)
        case .raw: header = Data(); sndfile = Mutex(nil)
        case .mp3, .opus, .flac:
            let encoder = try SndfileStream(format: format, sampleFormat: sampleFormat, sampleRate: sampleRate)
            header = encoder.drain()
            sndfile = Mutex(encoder)
        }
    }

    /// The bytes of `samples` (for the libsndfile formats: whatever the encoder has finished so far).
    public func encode(_ samples: [Float]) throws -> Data {
        if let encoded = try sndfile.withLock({ try $0?.write(samples) }) { return encoded }
        var bytes = Data(capacity: samples.count * 4)
        for x in samples {
            if sampleFormat == .pcm16 {
                withUnsafeBytes(of: Int16(AudioWriter.pcm16(x)).littleEndian) { bytes.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }

    /// The last bytes: the encoder's buffered frames and trailer (nothing for wav and raw).
    public func finish() throws -> Data { try sndfile.withLock { try $0?.finish() } ?? Data() }

    static func wavHeader(sampleFormat: SampleFormat, sampleRate: Int) -> Data {
        let width = sampleFormat == .pcm16 ? 2 : 4
        var bytes = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: Array("RIFF".utf8)); u32(0xFFFF_FFFF); bytes.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(sampleFormat == .pcm16 ? 1 : 3); u16(1); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * width))
        u16(UInt16(width)); u16(UInt16(8 * width))
        bytes.append(contentsOf: Array("data".utf8)); u32(0xFFFF_FFFF)
        return bytes
    }
}

/// libsndfile encoding a stream. mp3 and Opus write into a pipe that this object empties (non-blocking)
/// after every slice of samples: libsndfile sees an unseekable file and leaves out what it would patch at
/// close (mp3's Xing tag). FLAC writes into memory that is handed out as it grows: libFLAC seeks back at
/// close to rewrite its STREAMINFO, and on a pipe that rewrite lands at the end as garbage, so writes before
/// what was handed out are dropped instead, leaving a valid stream of unknown length.
private final class SndfileStream {
    /// Frames written between two drains: far less encoded output than a pipe holds.
    static let slice = 4096
    private var file: OpaquePointer?
    private var readEnd: Int32 = -1
    private let memory = MemoryFile()
    private let name: String

    init(format: AudioFormat, sampleFormat: SampleFormat, sampleRate: Int) throws {
        name = "\(format.rawValue) stream"
        var info = try AudioWriter.sndfileInfo(sampleRate: sampleRate, format: format, sampleFormat: sampleFormat, name: name)
        if format == .flac {
            var io = MemoryFile.virtualIO
            file = sf_open_virtual(&io, Int32(SFM_WRITE), &info, Unmanaged.passUnretained(memory).toOpaque())
        } else {
            var fds: [Int32] = [0, 0]
            guard Foundation.pipe(&fds) == 0 else { throw AudioError.cannotWrite(file: name, reason: String(cString: strerror(errno))) }
            _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
            #if os(Linux)
            _ = fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 1 << 20)  // room for what sf_close flushes at once
            #endif
            readEnd = fds[0]
            file = sf_open_fd(fds[1], Int32(SFM_WRITE), &info, Int32(SF_TRUE))
            if file == nil { close(fds[1]) }
        }
        guard let file else {
            if readEnd >= 0 { close(readEnd) }
            throw AudioError.cannotWrite(file: name, reason: String(cString: sf_strerror(nil)))
        }
        AudioWriter.configure(file, format: format, sampleFormat: sampleFormat)
    }

    deinit {
        if let file { sf_close(file) }
        if readEnd >= 0 { close(readEnd) }
    }

    func write(_ samples: [Float]) throws -> Data {
        guard let file else { throw AudioError.cannotWrite(file: name, reason: "the stream is finished") }
        var out = Data()
        var start = 0
        while start < samples.count {
            let count = min(Self.slice, samples.count - start)
            let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress! + start, sf_count_t(count)) }
            guard written == count else { throw AudioError.cannotWrite(file: name, reason: String(cString: sf_strerror(file))) }
            out += drain()
            start += count
        }
        return out
    }

    func finish() throws -> Data {
        if let file { sf_close(file) }  // flushes the encoder (and closes the pipe's write end)
        file = nil
        return drain()
    }

    /// Everything encoded since the last drain.
    func drain() -> Data {
        guard readEnd >= 0 else { return memory.takeNew() }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(readEnd, &buffer, buffer.count)
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }
}
