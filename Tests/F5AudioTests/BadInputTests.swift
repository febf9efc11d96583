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
}
