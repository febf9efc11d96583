import XCTest
@testable import F5Text

final class ChunkerTests: XCTestCase {
    func testMaxChars() {
        // int(51 / 5.0 * 17.0 * 1.15) and the 44.1 kHz source of the fixtures.
        XCTAssertEqual(Chunker.maxChars(refTextBytes: 51, samples: 120000, sampleRate: 24000, speed: 1.15), 199)
        XCTAssertEqual(Chunker.maxChars(refTextBytes: 10, samples: 23 * 24000, sampleRate: 24000, speed: 1), 0)
        XCTAssertEqual(Chunker.maxChars(refTextBytes: 10, samples: 32 * 24000, sampleRate: 24000, speed: 1), -3)
    }

    /// Outputs of the real chunk_text for the same arguments.
    func testChunkTextEdgeCases() {
        XCTAssertEqual(Chunker.chunks("a。 ", maxChars: 3), ["a。", ""])
        XCTAssertEqual(Chunker.chunks(" ", maxChars: 100), [""])
        XCTAssertEqual(Chunker.chunks("", maxChars: 100), [])
        XCTAssertEqual(Chunker.chunks("Hi. There", maxChars: -5), ["Hi.", "There"])
        XCTAssertEqual(Chunker.chunks("x.\u{A0}y,\u{2028}z", maxChars: 100), ["x. y, z"])
        XCTAssertEqual(Chunker.chunks("a.  ", maxChars: 2), ["a."])
        XCTAssertEqual(Chunker.chunks("one,two, three", maxChars: 9), ["one,two,", "three"])
    }

    func testSentenceSplit() {
        let pieces = Chunker.sentences(Array("A. B!\n\nC？D".unicodeScalars)).map { PythonText.string($0) }
        XCTAssertEqual(pieces, ["A.", "B!", "C？", "D"])
    }
}
