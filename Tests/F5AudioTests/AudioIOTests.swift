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
