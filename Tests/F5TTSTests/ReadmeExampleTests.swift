import F5TestSupport
import XCTest

/// The README's example is this target's `ReadmeExample.swift`, word for word, and it runs.
final class ReadmeExampleTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testTheReadmeShowsTheCompiledExample() throws {
        let source = try String(contentsOf: Self.root.appendingPathComponent("Tests/F5TTSTests/ReadmeExample.swift"), encoding: .utf8)
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try XCTUnwrap(source.range(of: "// example:begin\n")), end = try XCTUnwrap(source.range(of: "// example:end"))
        let example = String(source[begin.upperBound..<end.lowerBound])
        XCTAssertTrue(readme.contains("```swift\n" + example + "```"), "README.md must show Tests/F5TTSTests/ReadmeExample.swift's example verbatim")
        XCTAssertLessThanOrEqual(example.split(separator: "\n").count, 16)
    }

    func testTheExampleRuns() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: out) }
        try speak("Hello from the example.", like: SpeakFixture.refAudio, saying: SpeakFixture.refText, model: SpeakFixture.models, to: out.path)
        let wave = try WAVFile(contentsOf: out)
        XCTAssertEqual(wave.sampleRate, 24000)
        XCTAssertGreaterThan(wave.samples.count, 24000 / 2)
    }
}
