import F5Text
import F5TTS
import Foundation
import XCTest

final class VoiceScriptTests: XCTestCase {
    func testOnlyDefinedVoicesAndMainAreTags() throws {
        let script = try VoiceScript(text: "Read [INSTALL] first. [anna] Hi, see [signs](#keys). [main] Done [x].", voices: ["anna"])
        XCTAssertEqual(script.parts, [VoiceScript.Part(voice: "main", text: "Read [INSTALL] first."),
                                      VoiceScript.Part(voice: "anna", text: "Hi, see [signs](#keys)."),
                                      VoiceScript.Part(voice: "main", text: "Done [x].")])
        XCTAssertTrue(script.isTagged)
        // No defined tag: one part, the text exactly as given (infer_process strips its chunks itself).
        let plain = try VoiceScript(text: "  [bob] says --- hello. ", voices: ["anna"])
        XCTAssertEqual(plain.parts, [VoiceScript.Part(voice: "main", text: "  [bob] says --- hello. ")])
        XCTAssertFalse(plain.isTagged)
    }

    func testTagsWithoutWords() throws {
        let script = try VoiceScript(text: "[anna] [main] Hello. [anna]", voices: ["anna"])
        XCTAssertEqual(script.parts, [VoiceScript.Part(voice: "main", text: "Hello.")])
        XCTAssertEqual(script.emptyTags, ["anna", "anna"])
        XCTAssertThrowsError(try VoiceScript(text: "[main] [anna]", voices: ["anna"])) { error in
            guard case .invalidArgument(name: "text", _, _)? = error as? F5TTSError else { return XCTFail("\(error)") }
        }
    }

    /// Real-world sentences (markdown links, bracketed names, runs of dashes) with no defined voice tag plan
    /// exactly as F5-TTS's infer_process plans them (corpus_plans.json, from the reference's own code).
    func testCorpusPlansLikeInferProcess() throws {
        struct Corpus: Decodable {
            struct Chunk: Decodable { var text: String; var token_ids: [Int32] }
            struct Case: Decodable { var text: String; var chunks: [Chunk] }
            var ref_text: String
            var ref_samples: Int
            var cases: [Case]
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/text/corpus_plans.json")
        let corpus = try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: url))
        XCTAssertEqual(corpus.cases.count, 600)
        XCTAssertGreaterThan(corpus.cases.filter { !VoiceScript.candidateTags(in: $0.text).isEmpty }.count, 100)
        XCTAssertGreaterThan(corpus.cases.filter { $0.text.contains("---") }.count, 10)
        let vocabulary = try Vocabulary(contentsOf: Vocabulary.builtInURL)
        var differ: [String] = []
        for c in corpus.cases {
            // The CLI's script without a config: only `main` is defined.
            let script = try VoiceScript(text: c.text, voices: [])
            XCTAssertEqual(script.parts.count, 1, c.text)
            let plan = try SynthesisPlan(refText: corpus.ref_text, genText: script.parts[0].text,
                                         reference: ReferenceLength(samples: corpus.ref_samples), vocabulary: vocabulary)
            if plan.chunks.map(\.text) != c.chunks.map(\.text) || plan.chunks.map(\.tokenIDs) != c.chunks.map(\.token_ids) {
                differ.append(c.text)
            }
        }
        XCTAssertEqual(differ, [], "\(differ.count) plans differ from infer_process")
    }
}
