import XCTest
@testable import F5Text

/// Chinese and mixed text against convert_char_to_pinyin of f5-tts 1.1.22 with rjieba 0.2.2 and pypinyin
/// 0.55.0 (make_chinese_fixtures.py).
final class ChineseTokenizerTests: XCTestCase {
    func testMatchesReferenceTokensOnChineseSentences() throws {
        let cases = try Fixtures.chineseTokenCases()
        XCTAssertGreaterThan(cases.count, 5000)
        var differences: [String] = []
        for c in cases {
            let tokens = try Tokenizer.tokens(for: c.text)
            if tokens != c.tokens {
                differences.append(c.text)
                XCTFail("\(c.text)\n  swift     \(tokens.joined(separator: "|"))\n  reference \(c.tokens.joined(separator: "|"))")
            }
        }
        print("Chinese token parity: \(cases.count - differences.count)/\(cases.count) sentences identical")
    }
}
