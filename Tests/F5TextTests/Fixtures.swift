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
