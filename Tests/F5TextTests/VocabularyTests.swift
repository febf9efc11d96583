import XCTest
@testable import F5Text

final class VocabularyTests: XCTestCase {
    func testReferenceVocabulary() {
        let vocabulary = Fixtures.vocabulary
        XCTAssertEqual(vocabulary.size, 2545)
        XCTAssertEqual(vocabulary.id(of: " "), 0)
        XCTAssertEqual(vocabulary.id(of: "!"), 1)
        XCTAssertEqual(vocabulary.id(of: "a1"), vocabulary.id(of: "a") + 1)
        XCTAssertTrue(vocabulary.contains("ü"))
        // Canonically equivalent spellings are different tokens, as in the reference's dict.
        XCTAssertNotEqual(vocabulary.id(of: "\u{E9}"), vocabulary.id(of: "e\u{301}"))
    }

    /// Python text mode reads `\r\n` and a lone `\r` as line ends; each line loses its last character.
    func testLinesAsPythonReadsThem() throws {
        let url = try Fixtures.file(Array("a\r\nb\rc\n\nd\ne".utf8), in: self)
        let vocabulary = try Vocabulary(contentsOf: url)
        // The empty line (3) is overwritten by the unterminated last line, which loses its "e".
        XCTAssertEqual(vocabulary.ids(of: ["a", "b", "c", "d", "", "e"]), [0, 1, 2, 4, 5, 0])
        XCTAssertFalse(vocabulary.contains("e"))
        XCTAssertEqual(vocabulary.size, 5)
    }

    func testRepeatedTokenKeepsItsLastLineAndBOMStays() throws {
        let vocabulary = try Vocabulary(data: Data("\u{FEFF}x\ny\nx\n".utf8), source: "dup.txt")
        XCTAssertEqual(vocabulary.id(of: "x"), 2)
        XCTAssertEqual(vocabulary.id(of: "\u{FEFF}x"), 0)
        XCTAssertEqual(vocabulary.size, 3)
    }

    func testErrorsNameTheFile() throws {
        let empty = try Fixtures.file([], in: self)
        XCTAssertThrowsError(try Vocabulary(contentsOf: empty)) { error in
            XCTAssertEqual(error as? TextError, .emptyVocabulary(file: empty.path))
            XCTAssertTrue("\(error)".contains(empty.path))
        }
        let binary = try Fixtures.file([0x61, 0x0A, 0xFF, 0xFE, 0x0A], in: self)
        XCTAssertThrowsError(try Vocabulary(contentsOf: binary)) { error in
            XCTAssertTrue("\(error)".contains("UTF-8"), "\(error)")
        }
        let missing = URL(fileURLWithPath: "/nonexistent/vocab.txt")
        XCTAssertThrowsError(try Vocabulary(contentsOf: missing)) { error in
            guard case .cannotReadVocabulary(file: missing.path, reason: _)? = error as? TextError else {
                return XCTFail("\(error)")
            }
        }
    }
}
