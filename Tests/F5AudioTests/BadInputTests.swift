import XCTest
@testable import F5Audio

/// Unusable reference audio gives a clear error, never a crash.
final class BadInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func expect(_ path: String, _ check: (AudioError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ReferenceAudio.prepare(path: path), file: file, line: line) { error in
            guard let audioError = error as? AudioError else { return XCTFail("not an AudioError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(audioError), "\(audioError)", file: file, line: line)
            XCTAssertTrue(audioError.description.contains(path), file: file, line: line)
        }
    }

    func wav(_ name: String, _ samples: [Float], rate: Int = 24000) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try AudioWriter.write(samples: samples, sampleRate: rate, to: path)
        return path
    }

    func testMissingEmptyAndNotAudio() throws {
        expect(dir.appendingPathComponent("nope.wav").path) { if case .cannotOpen = $0 { return true }; return false }
        let empty = dir.appendingPathComponent("empty.wav").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        expect(empty) { $0 == .empty(file: empty) }
        let text = dir.appendingPathComponent("text.wav").path
        FileManager.default.createFile(atPath: text, contents: Data("this is not audio at all".utf8))
        expect(text) { if case .cannotOpen = $0 { return true }; return false }
        let headerOnly = try wav("header.wav", [])
        expect(headerOnly) { $0 == .empty(file: headerOnly) }
    }

    func testTooShortAndSilent() throws {
        let short = try wav("short.wav", (0..<4800).map { 0.3 * sin(Float($0) * 0.07) })
        expect(short) { if case .tooShort(_, let seconds, 0.5) = $0 { return abs(seconds - 0.2) < 1e-9 }; return false }
        let silent = try wav("silent.wav", [Float](repeating: 0, count: 24000))
        expect(silent) { if case .silent = $0 { return true }; return false }
        let faint = try wav("faint.wav", (0..<24000).map { 0.001 * sin(Float($0) * 0.07) })
        expect(faint) { if case .silent = $0 { return true }; return false }
    }

    /// A clip longer than a reference may be is refused: from its header when the header says so, and
    /// after at most one block past the budget when it does not (a FLAC streamed without its length).
    func testClipsPastTheBudgetAreRefusedWithoutDecodingThemWhole() throws {
        let tone = (0..<(24000 * 31)).map { 0.3 * sin(Float($0) * 0.07) }
        let long = try wav("long.wav", tone)
        expect(long) { $0 == .tooLong(file: long, seconds: 31, maximum: 30) }
        let streamed = dir.appendingPathComponent("streamed.flac").path
        let encoder = try AudioStreamEncoder(format: .flac, sampleFormat: .pcm16, sampleRate: 24000)
        try (encoder.header + encoder.encode(Array(tone.prefix(24000 * 3))) + encoder.finish()).write(to: URL(fileURLWithPath: streamed))
        let budget = AudioFile.Budget(seconds: 2)
        XCTAssertThrowsError(try AudioFile.read(path: streamed, budget: budget)) { error in
            guard case .tooLong(streamed, let seconds, 2)? = error as? AudioError else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(seconds, 2)
        }
        // Within the budget, every sample is read as without one.
        XCTAssertEqual(try AudioFile.read(path: streamed, budget: AudioFile.Budget(seconds: 3)), try AudioFile.read(path: streamed))
        // The sample cap holds whatever the seconds allow: 31 s of mono is more than 48000 samples.
        let wide = AudioFile.Budget(maxSeconds: 10, maxSamples: 24000 * 2)
        XCTAssertThrowsError(try AudioFile.read(path: long, budget: wide))
    }
}
