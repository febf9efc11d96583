import XCTest
@testable import F5Text

final class TokenizerTests: XCTestCase {
    /// Tricky cases of text-tokens.md plus 1500 random strings, tokenized by the real convert_char_to_pinyin.
    func testMatchesReferenceTokensAndIDs() throws {
        let cases = try Fixtures.load("tokens.json", as: [Fixtures.TokenCase].self)
        XCTAssertGreaterThan(cases.count, 1500)
        for c in cases {
            let tokens = try Tokenizer.tokens(for: c.text)
            XCTAssertEqual(tokens, c.tokens, "tokens of \(c.text.debugDescription)")
            XCTAssertEqual(Fixtures.vocabulary.ids(of: tokens), c.ids, "ids of \(c.text.debugDescription)")
        }
    }

    func testSpaceInsertedBeforeSomeWords() throws {
        XCTAssertEqual(try Tokenizer.tokens(for: "foo@bar.com").joined(), "foo@ bar.com")
        XCTAssertEqual(try Tokenizer.tokens(for: "(hello)").joined(), "( hello)")
        XCTAssertEqual(try Tokenizer.tokens(for: "a--b").joined(), "a --b")
        XCTAssertEqual(try Tokenizer.tokens(for: "naïve").joined(), "naï ve")
        XCTAssertEqual(try Tokenizer.tokens(for: "music#1 abc++").joined(), "musi c#1 ab c++")
        XCTAssertEqual(try Tokenizer.tokens(for: "He said: \u{201C}yes\u{201D}; ok").joined(), "He said: \"yes\", ok")
        XCTAssertEqual(try Tokenizer.tokens(for: "I a"), ["I", " ", "a"])
    }

    func testOneTokenPerCodePoint() throws {
        XCTAssertEqual(try Tokenizer.tokens(for: "e\u{301}"), ["e", "\u{301}"])
        XCTAssertEqual(try Tokenizer.tokens(for: "\u{1F44D}\u{1F3FD}"), ["\u{1F44D}", "\u{1F3FD}"])
        XCTAssertEqual(try Tokenizer.tokens(for: "a\r\nb"), ["a", " ", "\r", "\n", "b"])
        XCTAssertEqual(try Tokenizer.tokens(for: "x \u{3007}"), ["x", " ", "ling2"])
        XCTAssertEqual(try Tokenizer.tokens(for: ""), [])
    }

    func testChineseCharactersAreRefused() {
        XCTAssertThrowsError(try Tokenizer.tokens(for: "hello 世界", argument: "--text")) { error in
            XCTAssertEqual(error as? TextError, .needsPinyin(argument: "--text", character: "世", offset: 6))
            XCTAssertTrue("\(error)".contains("U+4E16"), "\(error)")
        }
        for text in ["\u{3400}", "\u{F900}", "\u{20000}", "\u{2F800}", "\u{E815}"] {
            XCTAssertThrowsError(try Tokenizer.tokens(for: "a" + text), text.debugDescription)
        }
        // Japanese kana, Hangul, bopomofo and CJK punctuation are not read with pinyin.
        XCTAssertEqual(try Tokenizer.tokens(for: "かㄅ한。"), ["か", " ", "ㄅ", "한", "。"])
    }

    func testUnknownTokensMapToSpace() {
        let vocabulary = Fixtures.vocabulary
        XCTAssertEqual(vocabulary.ids(of: [" ", "a", "\u{1F600}", "ling2"]), [0, vocabulary.id(of: "a"), 0, 670])
        XCTAssertFalse(vocabulary.contains("\u{1F600}"))
    }
}
