import XCTest
@testable import F5Text

final class ReferenceTextTests: XCTestCase {
    func testSentenceEndAndTrailingSpace() throws {
        let cases: [(String, String, String)] = [
            ("Hello there", "Hello there. ", "Hello there.  "),
            ("Hello there.", "Hello there. ", "Hello there.  "),
            ("Hello there. ", "Hello there. ", "Hello there.  "),
            ("Hello there!", "Hello there!. ", "Hello there!.  "),
            ("你好。", "你好。", "你好。"),
            ("Ends with é", "Ends with é. ", "Ends with é.  "),
            ("Trailing space ", "Trailing space . ", "Trailing space .  "),
        ]
        for (raw, normalised, full) in cases {
            XCTAssertEqual(try ReferenceText.normalised(raw), normalised)
            XCTAssertEqual(ReferenceText.withTrailingSpace(normalised), full)
        }
        XCTAssertEqual(ReferenceText.withTrailingSpace("x…"), "x…")
    }

    func testEmptyReferenceTextIsRefused() {
        for text in ["", " ", "\n\t\u{3000}"] {
            XCTAssertThrowsError(try ReferenceText.normalised(text)) { error in
                XCTAssertEqual(error as? TextError, .emptyText(argument: "ref-text"))
            }
        }
    }
}
