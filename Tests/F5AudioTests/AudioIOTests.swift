import CSndFile
import XCTest
@testable import F5Audio

final class AudioIOTests: XCTestCase {
    let tone: [Float] = (0..<2400).map { 0.5 * sin(Float($0) * 0.05) }

    func testRoundTripsEveryFormat() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, format, sample) in [("a.wav", AudioFormat.wav, SampleFormat.pcm16), ("b.wav", .wav, .float32),
                                       ("c.flac", .flac, .pcm16)] {
            let path = dir.appendingPathComponent(name).path
            try AudioWriter.write(samples: tone, sampleRate: 24000, to: path, sampleFormat: sample)
            let back = try AudioFile.read(path: path)
            XCTAssertEqual(back.sampleRate, 24000)
            XCTAssertEqual(back.frames, tone.count)
            let error = Fixtures.maxAbsError(back.floatSamples, tone)
            // Reading quantizes float files to 32-bit PCM as ffmpeg hands them to pydub.
            XCTAssertLessThanOrEqual(error, sample == .float32 ? 0x1p-31 : 1.0 / 32767, "\(name) \(format)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).count, 3, "no temporary files left")
    }

    func testPCMIsClippedAndRawIsHeaderless() throws {
        let data = try AudioWriter.encode(samples: [2, -2, 0.5], sampleRate: 24000, format: .raw, sampleFormat: .pcm16)
        let values = data.withUnsafeBytes { raw in (0..<3).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) } }
        XCTAssertEqual(values, [32767, -32768, 16384])
        let float = try AudioWriter.encode(samples: [2], sampleRate: 24000, format: .raw, sampleFormat: .float32)
        XCTAssertEqual(float.withUnsafeBytes { $0.loadUnaligned(as: Float.self) }, 2, "float32 is not clipped")
    }

    /// The in-memory WAV (what goes to stdout) has a complete RIFF header.
    func testWAVHeaderSizesAreFinal() throws {
        let data = try AudioWriter.encode(samples: tone, sampleRate: 24000, format: .wav, sampleFormat: .pcm16)
        let riffSize = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
        XCTAssertEqual(String(decoding: data.prefix(4), as: UTF8.self), "RIFF")
        XCTAssertEqual(Int(riffSize), data.count - 8)
    }

    func testFailedWriteLeavesNothing() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("missing/out.wav").path
        XCTAssertThrowsError(try AudioWriter.write(samples: tone, sampleRate: 24000, to: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
        XCTAssertThrowsError(try AudioWriter.write(samples: tone, sampleRate: 24000, to: dir.appendingPathComponent("x.flac").path,
                                                   sampleFormat: .float32))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    func testNumpyRoundTripAndErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.npy").path
        let mel = (0..<300).map { Float($0) * 0.5 }
        try NumpyFile.writeMel(path: path, mel: mel, frames: 3, channels: 100)
        let back = try NumpyFile.readMel(path: path, channels: 100)
        XCTAssertEqual(back.frames, 3)
        XCTAssertEqual(back.mel, mel)
        XCTAssertThrowsError(try NumpyFile.readMel(path: path, channels: 80)) { XCTAssertTrue("\($0)".contains("[80, frames]")) }

        func npy(_ header: String, payload: Int) -> String {
            var h = header
            h += String(repeating: " ", count: (64 - (10 + h.utf8.count + 1) % 64) % 64) + "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count), 0] + Array(h.utf8)
            bytes += [UInt8](repeating: 0, count: payload)
            let p = dir.appendingPathComponent(UUID().uuidString + ".npy").path
            FileManager.default.createFile(atPath: p, contents: Data(bytes))
            return p
        }
        let double = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", payload: 48)
        XCTAssertThrowsError(try NumpyFile.read(path: double)) { XCTAssertTrue("\($0)".contains("'<f8'"), "\($0)") }
        let badOrder = npy("{'descr': '<f4', 'fortran_order': maybe, 'shape': (2, 3), }", payload: 24)
        XCTAssertThrowsError(try NumpyFile.read(path: badOrder)) { XCTAssertTrue("\($0)".contains("fortran_order"), "\($0)") }
        let short = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", payload: 20)
        XCTAssertThrowsError(try NumpyFile.read(path: short)) { XCTAssertTrue("\($0)".contains("24 data bytes"), "\($0)") }
    }
}

/// mp3 and Opus through Debian's libsndfile, and the stream encoder against libsndfile's own WAV.
final class CompressedAndStreamedAudioTests: XCTestCase {
    /// 1 s of a 440 Hz tone at half scale.
    let tone: [Float] = (0..<24000).map { 0.5 * sin(2 * .pi * 440 * Float($0) / 24000) }

    func rms(_ x: ArraySlice<Float>) -> Double { (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot() }

    func testMP3AndOpusDecodeBackToTheTone() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (format, magic) in [(AudioFormat.mp3, [UInt8]([0xFF])), (.opus, Array("OggS".utf8))] {
            let path = dir.appendingPathComponent("tone.\(format.rawValue)").path
            try AudioWriter.write(samples: tone, sampleRate: 24000, to: path)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(Array(bytes.prefix(magic.count)), magic, "\(format) container")
            let back = try AudioFile.read(path: path)
            XCTAssertEqual(back.sampleRate, 24000, "\(format)")
            // Encoder delay and padding add a few frames, never remove the tone.
            XCTAssertGreaterThanOrEqual(back.frames, 24000 - 1152, "\(format)")
            XCTAssertLessThanOrEqual(back.frames, 24000 + 4 * 1152, "\(format)")
            let samples = back.floatSamples
            let middle = samples[4800..<19200]
            XCTAssertEqual(rms(middle), 0.5 / 2.0.squareRoot(), accuracy: 0.02, "\(format) keeps the level")
        }
        XCTAssertThrowsError(try AudioWriter.encode(samples: tone, sampleRate: 22050, format: .opus, sampleFormat: .pcm16)) {
            XCTAssertTrue("\($0)".contains("Opus"), "\($0)")
        }
        XCTAssertThrowsError(try AudioWriter.encode(samples: tone, sampleRate: 24000, format: .mp3, sampleFormat: .float32))
    }

    func testStreamEncoderWritesLibsndfilesSamples() throws {
        let edges: [Float] = [0, 1, -1, 2, -2, 0.5, -0.5, 1e-10, -1e-10, 0.75 / 32768, -0.25 / 32768] + tone.prefix(100)
        for sampleFormat in [SampleFormat.pcm16, .float32] {
            let file = try AudioWriter.encode(samples: edges, sampleRate: 24000, format: .wav, sampleFormat: sampleFormat)
            let stream = try AudioStreamEncoder(format: .wav, sampleFormat: sampleFormat, sampleRate: 24000)
            let streamed = try stream.header + stream.encode(Array(edges.prefix(5))) + stream.encode(Array(edges.dropFirst(5))) + stream.finish()
            let width = sampleFormat == .pcm16 ? 2 : 4
            XCTAssertEqual(streamed.count, 44 + width * edges.count)
            XCTAssertEqual(Array(streamed.suffix(width * edges.count)), Array(file.suffix(width * edges.count)), "\(sampleFormat) payload")
            // The fmt chunk says what libsndfile's does (format tag, rate, byte rate, block align, bits).
            let fmt = try XCTUnwrap(file.range(of: Data("fmt ".utf8)))
            XCTAssertEqual(Array(streamed[20..<36]), Array(file[(fmt.lowerBound + 8)..<(fmt.lowerBound + 24)]), "\(sampleFormat) fmt")
            XCTAssertEqual(Array(streamed[4..<8]), [0xFF, 0xFF, 0xFF, 0xFF])
        }
    }

    /// mp3, Opus and FLAC streamed in uneven pieces decode (libsndfile's reader, content-sniffed) to the
    /// whole clip: FLAC to the same samples as the one-shot FLAC file, the lossy ones to its length.
    func testEncodedFormatsStreamPieceByPiece() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip: [Float] = (0..<48000).map { 0.4 * sin(Float($0) * 0.06) }
        for format in [AudioFormat.flac, .mp3, .opus] {
            let stream = try AudioStreamEncoder(format: format, sampleFormat: .pcm16, sampleRate: 24000)
            var bytes = stream.header
            var start = 0
            for size in [1000, 9000, 30000, 8000] {
                bytes += try stream.encode(Array(clip[start..<(start + size)]))
                start += size
            }
            bytes += try stream.finish()
            let path = dir.appendingPathComponent("streamed.\(format.rawValue)").path
            try bytes.write(to: URL(fileURLWithPath: path))
            let back = try AudioFile.read(path: path)
            if format == .flac {
                let file = try AudioWriter.encode(samples: clip, sampleRate: 24000, format: .flac, sampleFormat: .pcm16)
                try file.write(to: dir.appendingPathComponent("oneshot.flac"))
                let oneShot = try AudioFile.read(path: dir.appendingPathComponent("oneshot.flac").path).samples
                XCTAssertEqual(back.samples.count, oneShot.count)
                XCTAssertTrue(back.samples == oneShot, "streamed FLAC decodes to the one-shot file's samples")
            } else {
                // Encoder delay and padding add a few frames; a missing piece would cost >= 1000 samples.
                XCTAssertEqual(Double(back.frames), Double(clip.count), accuracy: 2400, "\(format)")
                XCTAssertGreaterThan(back.frames, clip.count - 600, "\(format)")
            }
        }
    }
}
