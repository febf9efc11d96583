import F5Bundle
import F5Compute
import F5Model
import XCTest

/// Bad arguments and bundles are reported as ModelError naming what was expected, never a crash.
final class BadInputTests: XCTestCase {
    var fixture: ModelFixtures.Convention!
    var model: DiT!

    override func setUpWithError() throws {
        fixture = try ModelFixtures.Convention("v0")
        model = try DiT(bundle: fixture.bundle, backend: makeLinearBackend(.dequant))
    }

    private func expect(_ expected: ModelError, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? ModelError, expected, file: file, line: line)
            XCTAssertFalse((error as? ModelError)?.description.isEmpty ?? true, file: file, line: line)
        }
    }

    func testTokenOutsideTheVocabulary() throws {
        XCTAssertEqual(model.vocabularySize, 50)
        let sampler = FlowSampler(model: model)
        expect(.tokenOutOfRange(position: 1, id: 50, vocabularySize: 50)) {
            _ = try sampler.sample(cond: [], condFrames: 0, textIDs: [1, 50], totalFrames: 20, options: SamplerOptions(steps: 1))
        }
        expect(.tokenOutOfRange(position: 0, id: -2, vocabularySize: 50)) {
            _ = try sampler.sample(cond: [], condFrames: 0, textIDs: [-2], totalFrames: 20, options: SamplerOptions(steps: 1))
        }
    }

    func testTooManyFrames() {
        expect(.tooManyFrames(frames: 8193, limit: 8192)) {
            _ = try FlowSampler(model: model).sample(cond: [], condFrames: 0, textIDs: [1], totalFrames: 8193)
        }
    }

    func testWrongSizes() {
        let sampler = FlowSampler(model: model)
        expect(.wrongCount(argument: "noise", expected: 20 * 100, found: 7)) {
            _ = try sampler.sample(cond: [], condFrames: 0, textIDs: [1], totalFrames: 20, noise: .values([Float](repeating: 0, count: 7)))
        }
        expect(.wrongCount(argument: "cond", expected: 300, found: 299)) {
            _ = try sampler.sample(cond: [Float](repeating: 0, count: 299), condFrames: 3, textIDs: [1], totalFrames: 20)
        }
        expect(.invalidArgument(argument: "steps", expected: "at least 1", found: "0")) {
            _ = try sampler.sample(cond: [], condFrames: 0, textIDs: [1], totalFrames: 20, options: SamplerOptions(steps: 0))
        }
        expect(.invalidArgument(argument: "condFrames", expected: "at least 0", found: "-1")) {
            _ = try sampler.sample(cond: [], condFrames: -1, textIDs: [1], totalFrames: 20)
        }
    }

    func testSessionArguments() throws {
        let session = try model.prepare(cond: [], condFrames: 0, textIDs: [1, 2], frames: 8, times: [0.5], guidance: false)
        XCTAssertEqual(session.batch, 1)
        expect(.invalidArgument(argument: "branch", expected: "0..<1", found: "1")) { _ = try session.textEmbedding(branch: 1) }
        expect(.invalidArgument(argument: "timeIndex", expected: "0..<1", found: "1")) {
            _ = try session.velocity(x: [Float](repeating: 0, count: 800), timeIndex: 1)
        }
        expect(.wrongCount(argument: "x", expected: 800, found: 10)) { _ = try session.velocity(x: [Float](repeating: 0, count: 10), timeIndex: 0) }
        expect(.invalidArgument(argument: "condFrames", expected: "0...8 (frames)", found: "9")) {
            _ = try model.prepare(cond: [Float](repeating: 0, count: 900), condFrames: 9, textIDs: [1], frames: 8, times: [0], guidance: true)
        }
        expect(.invalidArgument(argument: "frames", expected: "at least 1", found: "0")) {
            _ = try model.prepare(cond: [], condFrames: 0, textIDs: [1], frames: 0, times: [0], guidance: true)
        }
    }

    func testNotAnF5Bundle() throws {
        let vocos = try WeightBundle.load(path: ModelFixtures.root.deletingLastPathComponent().appendingPathComponent("python-bundles/vocos").path)
        XCTAssertThrowsError(try DiT(bundle: vocos, backend: makeLinearBackend(.dequant))) { error in
            XCTAssertEqual(error as? ModelError, .notAnF5Bundle(format: vocos.format))
        }
    }

    func testFrameCountRule() {
        // max(max(tokens, ref) + 1, requested), -1 filler not counted, capped at max_duration.
        XCTAssertEqual(FlowSampler.frameCount(condFrames: 15, textIDs: [Int32](repeating: 1, count: 20), requestedFrames: 10), 21)
        XCTAssertEqual(FlowSampler.frameCount(condFrames: 15, textIDs: [1, -1, -1], requestedFrames: 0), 16)
        XCTAssertEqual(FlowSampler.frameCount(condFrames: 15, textIDs: [1], requestedFrames: 48), 48)
        XCTAssertEqual(FlowSampler.frameCount(condFrames: 15, textIDs: [1], requestedFrames: 100_000), FlowSampler.maxDuration)
    }
}
