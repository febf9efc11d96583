import XCTest
@testable import F5Text

/// The segmenter's parts against the reference packages (make_chinese_fixtures.py): rjieba 0.2.2's cuts,
/// jieba 0.42.1's DAG and route, and finalseg's Viterbi on jieba-rs's 6-decimal emissions.
final class JiebaTests: XCTestCase {
    private let units = try! Fixtures.load("jieba_units.json", as: Fixtures.JiebaUnits.self)

    func testCutsLikeRjieba() throws {
        XCTAssertGreaterThan(units.cuts.count, 100)
        for c in units.cuts {
            let scalars = Array(c.text.unicodeScalars)
            let segments = try Segmenter.segments(scalars).map { PythonText.string(scalars[$0]) }
            XCTAssertEqual(segments, c.segments, c.text)
        }
    }

    func testKnownCuts() throws {
        let cuts: [(String, [String])] = [
            ("我爱北京天安门", ["我", "爱", "北京", "天安门"]),
            ("工信处女干事每月经过下属科室", ["工信处", "女干事", "每月", "经过", "下属", "科室"]),
            ("T恤衫 and IP地址", ["T恤衫", " ", "and", " ", "IP地址"]),
            ("我用C++写代码", ["我用", "C++", "写", "代码"]),
        ]
        for (text, expected) in cuts {
            let scalars = Array(text.unicodeScalars)
            XCTAssertEqual(try Segmenter.segments(scalars).map { PythonText.string(scalars[$0]) }, expected, text)
        }
    }

    /// Every log-probability bit for bit: both sides take glibc's log in the same order of operations.
    func testDAGAndRouteLikeJieba() throws {
        let jieba = try Jieba.shared()
        XCTAssertGreaterThan(units.routes.count, 100)
        for c in units.routes {
            let scalars = Array(c.text.unicodeScalars)
            let run = UTF8Run(scalars[...])
            let dag = jieba.dag(run, count: scalars.count)
            // jieba lists a character that starts no word as a word of its own; jieba-rs leaves it out.
            XCTAssertEqual(dag.enumerated().map { $1.isEmpty ? [$0 + 1] : $1 }, c.dag, c.text)
            let route = jieba.route(run, dag: dag).dropLast()
            XCTAssertEqual(route.map(\.end), c.route.map { Int($0[1]) }, c.text)
            XCTAssertEqual(route.map(\.logProbability), c.route.map { $0[0] }, c.text)
        }
    }

    func testViterbiLikeFinalseg() throws {
        let hmm = try Jieba.shared().hmm
        let letters: [JiebaHMM.State: Character] = [.begin: "B", .end: "E", .middle: "M", .single: "S"]
        XCTAssertGreaterThan(units.viterbi.count, 100)
        for c in units.viterbi {
            let labels = hmm.viterbi(ArraySlice(c.text.unicodeScalars))
            XCTAssertEqual(String(labels.map { letters[$0]! }), c.labels, c.text)
        }
    }
}
