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

    /// Values from the reference: a mixed segment reads only U+3100–U+9FFF, 〇 and the private-use readings
    /// come without a space, kana, Hangul and CJK punctuation stay themselves.
    func testChineseCharactersAreRead() throws {
        XCTAssertEqual(try Tokenizer.tokens(for: "hello 世界"), ["h", "e", "l", "l", "o", " ", " ", "shi4", " ", "jie4"])
        XCTAssertEqual(try Tokenizer.tokens(for: "a\u{3400}"), ["a", " ", "qiu1"])
        XCTAssertEqual(try Tokenizer.tokens(for: "a\u{F900}"), ["a", "\u{F900}"])
        XCTAssertEqual(try Tokenizer.tokens(for: "a\u{20000}"), ["a", "\u{20000}"])
        XCTAssertEqual(try Tokenizer.tokens(for: "a\u{E815}"), ["a", "ye4"])
        XCTAssertEqual(try Tokenizer.tokens(for: "IP地址"), ["I", "P", " ", "di4", " ", "zhi3"])
        XCTAssertEqual(try Tokenizer.tokens(for: "\u{FF26}\u{FF15}模型"), ["\u{FF26}", "\u{FF15}", " ", "mo2", " ", "xing2"])
        XCTAssertEqual(try Tokenizer.tokens(for: "かㄅ한。"), ["か", " ", "ㄅ", "한", "。"])
    }

    func testUnknownTokensMapToSpace() {
        let vocabulary = Fixtures.vocabulary
        XCTAssertEqual(vocabulary.ids(of: [" ", "a", "\u{1F600}", "ling2"]), [0, vocabulary.id(of: "a"), 0, 670])
        XCTAssertFalse(vocabulary.contains("\u{1F600}"))
    }
}
