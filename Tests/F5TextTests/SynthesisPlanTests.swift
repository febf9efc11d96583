import XCTest
@testable import F5Text

final class SynthesisPlanTests: XCTestCase {
    /// Plans recorded from the real infer_process → infer_batch_process → CFM.sample (see the fixture script).
    func testMatchesReferencePlans() throws {
        try assertMatchesReferencePlans("plans.json", count: 69)
    }

    /// Chinese texts: chunks split after full-width punctuation, durations from UTF-8 byte lengths, pinyin ids.
    func testMatchesReferencePlansOnChinese() throws {
        try assertMatchesReferencePlans("chinese_plans.json", count: 36)
    }

    private func assertMatchesReferencePlans(_ file: String, count: Int) throws {
        let cases = try Fixtures.load(file, as: [Fixtures.PlanCase].self)
        XCTAssertEqual(cases.count, count)
        for c in cases {
            let reference = ReferenceLength(samples: c.expected.refSamples, sourceSamples: c.sourceSamples,
                                            sourceSampleRate: c.sourceRate)
            let plan = try SynthesisPlan(refText: c.refText, genText: c.genText, reference: reference,
                                         vocabulary: Fixtures.vocabulary, speed: c.speed, fixDuration: c.fixDuration)
            let label = "\(c.genText.prefix(30).debugDescription) ref \(c.refText.prefix(12)) speed \(c.speed)"
            XCTAssertEqual(plan.refFrames, c.expected.refFrames, label)
            XCTAssertEqual(plan.chunks.map(\.text), c.expected.chunks.map(\.text), label)
            XCTAssertEqual(plan.chunks, c.expected.chunks, label)
        }
    }

    func testDryRunJSON() throws {
        let plan = try SynthesisPlan(refText: "Hi there", genText: "Go.", reference: ReferenceLength(samples: 24000),
                                     vocabulary: Fixtures.vocabulary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(plan), as: UTF8.self)
        XCTAssertTrue(json.hasPrefix(#"{"chunks":[{"frames":"#), json)
        XCTAssertTrue(json.contains(#""text":"Go.","token_ids":[39,"#), json)
        XCTAssertTrue(json.hasSuffix(#""ref_frames":94}"#), json)
        XCTAssertEqual(try JSONDecoder().decode(SynthesisPlan.self, from: encoder.encode(plan)), plan)
    }

    func testFramesAboveTheSamplerLimitAreRefused() {
        XCTAssertThrowsError(try plan("Hi.", "Fine.", samples: 24000, fixDuration: 800)) { error in
            XCTAssertEqual(error as? TextError, .tooManyFrames(chunk: 0, frames: 75000, limit: 65536))
        }
        XCTAssertNoThrow(try plan("Hi.", "Fine.", samples: 24000, fixDuration: 699))
        // Absurd speeds saturate instead of overflowing (93 = 24000 / 256 reference frames).
        XCTAssertThrowsError(try plan("Hi.", "Fine thank you", samples: 24000, speed: 1e-300)) { error in
            XCTAssertEqual(error as? TextError, .tooManyFrames(chunk: 0, frames: (1 << 62) + 93, limit: 65536))
        }
    }

    func testTextErrors() {
        let cases: [(String, String, TextError)] = [
            ("Hi.", "", .emptyText(argument: "text")),
            ("Hi.", " \n\t ", .emptyText(argument: "text")),
            ("", "Hello.", .emptyText(argument: "ref-text")),
            ("Hi.", "\u{1F600}\u{1F600} \u{1F600}", .noKnownCharacters(argument: "text", text: "\u{1F600}\u{1F600} \u{1F600}")),
            ("\u{1F600}", "Hello.", .noKnownCharacters(argument: "ref-text", text: "\u{1F600}")),
            // Ext-B ideographs are left as themselves by the reference, and are not in the vocabulary.
            ("Hi.", "\u{20000}\u{20001}", .noKnownCharacters(argument: "text", text: "\u{20000}\u{20001}")),
        ]
        for (ref, gen, expected) in cases {
            XCTAssertThrowsError(try plan(ref, gen, samples: 24000)) { XCTAssertEqual($0 as? TextError, expected) }
        }
    }

    func testArgumentErrors() {
        let invalid: [() throws -> SynthesisPlan] = [
            { try self.plan("Hi.", "Go.", samples: 0) },
            { try self.plan("Hi.", "Go.", samples: 24000, speed: 0) },
            { try self.plan("Hi.", "Go.", samples: 24000, speed: .nan) },
            { try self.plan("Hi.", "Go.", samples: 24000, speed: -1) },
            { try self.plan("Hi.", "Go.", samples: 24000, fixDuration: -2) },
            { try self.plan("Hi.", "Go.", samples: 24000, fixDuration: .infinity) },
        ]
        for make in invalid {
            XCTAssertThrowsError(try make()) { error in
                guard case .invalidArgument? = error as? TextError else { return XCTFail("\(error)") }
            }
        }
    }

    /// Control characters, lone CRs and unknown symbols are tokens like any other (unknown ones read as id 0).
    func testOddCharactersStillPlan() throws {
        let result = try plan("Hi.", "a\u{0}b\u{7}\r\u{1B}[0m c\u{FEFF}d \u{1F600}.", samples: 24000)
        XCTAssertEqual(result.chunks.count, 1)
        XCTAssertTrue(result.chunks[0].tokenIDs.contains(0))
    }

    func testHugeInputIsChunkedInLinearTime() throws {
        let sentence = "The quick brown fox jumps over the lazy dog, again and again. "
        let text = String(repeating: sentence, count: 4000)
        let start = Date()
        let result = try plan("Some call me nature, others call me mother nature.", text, samples: 120000)
        XCTAssertGreaterThan(result.chunks.count, 1000)
        XCTAssertTrue(result.chunks.allSatisfy { $0.frames <= DurationRule.maxFrames })
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        // A sentence with no break at all stays one chunk, as in the reference, and is too long to generate.
        XCTAssertThrowsError(try plan("Hi.", String(repeating: "word ", count: 30000), samples: 24000)) { error in
            guard case .tooManyFrames(chunk: 0, frames: _, limit: 65536)? = error as? TextError else {
                return XCTFail("\(error)")
            }
        }
    }

    private func plan(_ ref: String, _ gen: String, samples: Int, speed: Double = 1,
                      fixDuration: Double? = nil) throws -> SynthesisPlan {
        try SynthesisPlan(refText: ref, genText: gen, reference: ReferenceLength(samples: samples),
                          vocabulary: Fixtures.vocabulary, speed: speed, fixDuration: fixDuration)
    }
}
