import Foundation
import XCTest
import F5Text

/// Fixtures under Tests/Fixtures/text, written by make_text_fixtures.py from the real f5-tts code.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/text").standardized

    static let vocabulary: Vocabulary = try! Vocabulary(contentsOf: Vocabulary.builtInURL)

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
    }

    struct TokenCase: Decodable {
        var text: String
        var tokens: [String]
        var ids: [Int32]
    }

    struct PlanCase: Decodable {
        var refText: String
        var genText: String
        var sourceSamples: Int
        var sourceRate: Int
        var speed: Double
        var fixDuration: Double?
        var expected: Expected

        struct Expected: Decodable {
            var refSamples: Int
            var refFrames: Int
            var chunks: [ChunkPlan]

            enum CodingKeys: String, CodingKey {
                case refSamples = "ref_samples", refFrames = "ref_frames", chunks
            }
        }

        enum CodingKeys: String, CodingKey {
            case refText = "ref_text", genText = "gen_text", sourceSamples = "source_samples"
            case sourceRate = "source_rate", speed, fixDuration = "fix_duration", expected
        }
    }

    struct CrossFadeCase: Decodable {
        var waves: [[Float]]
        var duration: Double
        var sampleRate: Int
        var expected: [Double]

        enum CodingKeys: String, CodingKey {
            case waves, duration, sampleRate = "sample_rate", expected
        }
    }

    /// A temporary file holding `bytes`, removed by the test's teardown.
    static func file(_ bytes: [UInt8], in test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("f5text-\(UUID().uuidString).txt")
        try Data(bytes).write(to: url)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

extension Fixtures {
    struct ChineseTokenCase {
        var text: String
        var tokens: [String]
    }

    /// chinese_tokens.tsv: text TAB tokens joined by "|" (make_chinese_fixtures.py keeps "|" out of texts).
    static func chineseTokenCases() throws -> [ChineseTokenCase] {
        let text = try String(contentsOf: folder.appendingPathComponent("chinese_tokens.tsv"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let tokens = fields[1].isEmpty ? [] : fields[1].split(separator: "|", omittingEmptySubsequences: false)
            return ChineseTokenCase(text: String(fields[0]), tokens: tokens.map(String.init))
        }
    }
}

extension Fixtures {
    /// jieba_units.json (make_chinese_fixtures.py).
    struct JiebaUnits: Decodable {
        var cuts: [Cut]
        var routes: [Route]
        var viterbi: [Viterbi]

        struct Cut: Decodable { var text: String; var segments: [String] }
        /// Ends are exclusive code-point indices; each route step is [log-probability, end].
        struct Route: Decodable { var text: String; var dag: [[Int]]; var route: [[Double]] }
        struct Viterbi: Decodable { var text: String; var labels: String }
    }

    /// pinyin_units.json: lazy_pinyin(text, TONE3) with and without tone sandhi.
    struct PinyinCase: Decodable {
        var text: String
        var sandhi: [String]
        var plain: [String]
    }
}
