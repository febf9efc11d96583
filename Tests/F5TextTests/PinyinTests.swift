import XCTest
@testable import F5Text

/// pypinyin 0.55.0 lazy_pinyin(style=TONE3) with tone sandhi, against pinyin_units.json.
final class PinyinTests: XCTestCase {
    func testLazyPinyinWithToneSandhiLikePypinyin() throws {
        let cases = try Fixtures.load("pinyin_units.json", as: [Fixtures.PinyinCase].self)
        let pinyin = try Pinyin.shared()
        // The sandhi must change something in many cases, or the fixture would not test it.
        XCTAssertGreaterThan(cases.filter { $0.sandhi != $0.plain }.count, 150)
        for c in cases {
            XCTAssertEqual(pinyin.lazyPinyin(ArraySlice(c.text.unicodeScalars)), c.sandhi, c.text)
        }
    }

    func testToneSandhiRules() {
        func sandhi(_ word: String, _ readings: [String]) -> [String] {
            ToneSandhi.apply(to: readings, of: ArraySlice(word.unicodeScalars))
        }
        // Values from pypinyin: the first third tones of the word change, not those of the trailing run.
        XCTAssertEqual(sandhi("你好", ["ni3", "hao3"]), ["ni2", "hao3"])
        XCTAssertEqual(sandhi("保管好", ["bao3", "guan3", "hao3"]), ["bao2", "guan2", "hao3"])
        XCTAssertEqual(sandhi("所以", ["suo3", "yi3"]), ["suo2", "yi3"])
        XCTAssertEqual(sandhi("好人你好", ["hao3", "ren2", "ni3", "hao3"]), ["hao2", "ren2", "ni3", "hao3"])
        XCTAssertEqual(sandhi("不是", ["bu4", "shi4"]), ["bu2", "shi4"])
        XCTAssertEqual(sandhi("不好", ["bu4", "hao3"]), ["bu4", "hao3"])
        XCTAssertEqual(sandhi("一定", ["yi1", "ding4"]), ["yi1", "ding4"])
        XCTAssertEqual(sandhi("一起", ["yi1", "qi3"]), ["yi4", "qi3"])
        XCTAssertEqual(sandhi("统一", ["tong3", "yi1"]), ["tong3", "yi1"])
        XCTAssertEqual(sandhi("一不", ["yi1", "bu4"]), ["yi1", "bu4"])
    }
}
