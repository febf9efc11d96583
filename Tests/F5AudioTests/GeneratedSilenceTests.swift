import XCTest
@testable import F5Audio

/// `GeneratedAudio.removingSilence` against F5-TTS 1.1.22's `remove_silence_for_generated_wav` run on
/// soundfile + pydub 0.25.1 (fixtures from Tests/Fixtures/silence/make_silence_fixtures.py).
final class GeneratedSilenceTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/silence").standardized

    struct Case {
        let name: String
        let input: String?, rate: Int, frames: Int
        let output: String?, outputRate: Int, outputFrames: Int
        let nonsilent: [[Int]]
    }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cases = json["cases"] as! [String: [String: Any]]
        return cases.keys.sorted().map { name in
            let c = cases[name]!
            return Case(name: name, input: c["input"] as? String, rate: c["rate"] as! Int, frames: c["frames"] as! Int,
                        output: c["output"] as? String, outputRate: c["output_rate"] as! Int,
                        outputFrames: c["output_frames"] as! Int, nonsilent: c["nonsilent_ms"] as! [[Int]])
        }
    }()

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The float32 wave F5 wrote: 24-bit FLAC (exact int24 / 2^23, read as value / 2^31) or float32 .npy.
    static func input(_ c: Case) throws -> [Float] {
        guard let file = c.input else { return [] }
        if file.hasSuffix(".npy") { return try NumpyFile.read(path: path(file)).values }
        let audio = try AudioFile.read(path: path(file))
        XCTAssertEqual(audio.sampleRate, c.rate, c.name)
        XCTAssertEqual(audio.channels, 1, c.name)
        XCTAssertEqual(audio.sampleWidth, 4, "\(c.name): 24-bit input")
        return audio.floatSamples
    }

    /// The int16 samples of the file F5 left behind.
    static func output(_ c: Case) throws -> [Int32] {
        guard let file = c.output else { return [] }
        let audio = try AudioFile.read(path: path(file))
        XCTAssertEqual(audio.sampleRate, c.outputRate, c.name)
        XCTAssertEqual(audio.sampleWidth, 2, c.name)
        return audio.samples
    }

    /// The result as the int16 values it encodes (every sample must be an exact k / 32768).
    static func ints(_ samples: [Float]) -> [Int32] {
        let scaled = samples.map { $0 * 32768 }
        XCTAssertNil(scaled.first { $0 != $0.rounded() || abs($0) > 32768 }, "not a multiple of 1/32768")
        return scaled.map { Int32($0) }
    }

    static func firstMismatch(_ a: [Int32], _ b: [Int32]) -> String {
        guard let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return a.count == b.count ? "equal" : "lengths \(a.count) vs \(b.count)"
        }
        let mismatches = zip(a, b).filter { $0 != $1 }.count
        return "\(mismatches) samples differ, first at \(i): \(a[i]) vs \(b[i])"
    }

    func testFixturesCoverTheCases() {
        XCTAssertEqual(Self.cases.map(\.name), ["continuous_24k", "empty_24k", "gaps_24k", "gaps_8k", "short_24k",
                                                "silent_24k", "tail_24k", "threshold_24k"])
    }

    /// Sample for sample, with the rate the file ends at.
    func testMatchesF5RemoveSilence() throws {
        for c in Self.cases {
            let wave = try Self.input(c)
            XCTAssertEqual(wave.count, c.frames, c.name)
            let expected = try Self.output(c)
            XCTAssertEqual(expected.count, c.outputFrames, c.name)
            let result = GeneratedAudio.removingSilence(wave, sampleRate: c.rate)
            XCTAssertEqual(result.sampleRate, c.outputRate, "\(c.name): rate")
            let ours = Self.ints(result.samples)
            XCTAssertEqual(ours.count, expected.count, "\(c.name): frames")
            XCTAssertTrue(ours == expected, "\(c.name): \(Self.firstMismatch(ours, expected))")
        }
    }

    /// pydub's non-silent ranges on the PCM16 file, the step the splitting starts from.
    func testNonsilentRanges() throws {
        for c in Self.cases {
            let wave = try Self.input(c)
            let file = AudioSegment(samples: wave.map(AudioWriter.pcm16), channels: 1, frameRate: c.rate, sampleWidth: 2)
            let ranges = Silence.detectNonsilent(file, minLength: 1000, threshold: -50, seekStep: 10)
            XCTAssertEqual(ranges.map { [$0.0, $0.1] }, c.nonsilent, c.name)
        }
    }

    /// soundfile's float -> PCM16 (libsndfile 1.2.2, clipping on) on the edge wave, before any slicing:
    /// the first 7236 frames of F5's file (the 12 after them are pydub's padding, zeros).
    func testPCM16ConversionEdges() throws {
        let c = try XCTUnwrap(Self.cases.first { $0.name == "short_24k" })
        let wave = try Self.input(c)
        let expected = try Self.output(c)
        let ours = wave.map(AudioWriter.pcm16)
        XCTAssertTrue(ours == Array(expected.prefix(wave.count)), Self.firstMismatch(ours, Array(expected.prefix(wave.count))))
        XCTAssertEqual(Array(expected.dropFirst(wave.count)), [Int32](repeating: 0, count: 12))
        // Floored at 16 bits after rounding at 32: (k + 0.75) / 32768 -> k, -1e-10 -> 0 (rounds to 0 at 2^-31).
        XCTAssertEqual(AudioWriter.pcm16(0.75 / 32768), 0)
        XCTAssertEqual(AudioWriter.pcm16(-0.25 / 32768), -1)
        XCTAssertEqual(AudioWriter.pcm16(-1e-10), 0)
        XCTAssertEqual(AudioWriter.pcm16(1), 32767)
        XCTAssertEqual(AudioWriter.pcm16(-1), -32768)
        XCTAssertEqual(AudioWriter.pcm16(.nan), -32768)
    }

    /// Writing the result as PCM16 WAV with AudioWriter gives back F5's file samples and rate.
    func testWrittenResultIsF5File() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("f5silence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["gaps_24k", "gaps_8k"] {
            let c = try XCTUnwrap(Self.cases.first { $0.name == name })
            let result = GeneratedAudio.removingSilence(try Self.input(c), sampleRate: c.rate)
            let path = directory.appendingPathComponent("\(name).wav").path
            try AudioWriter.write(samples: result.samples, sampleRate: result.sampleRate, to: path)
            let written = try AudioFile.read(path: path)
            XCTAssertEqual(written.sampleRate, c.outputRate, name)
            XCTAssertTrue(written.samples == (try Self.output(c)), name)
        }
    }
}
