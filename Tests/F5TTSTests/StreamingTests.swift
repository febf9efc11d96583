import F5TestSupport
import F5TTS
import XCTest

/// `Synthesizer.stream` hands out exactly the one-shot audio, piece by piece, and stops when cancelled.
final class StreamingTests: XCTestCase {
    func options() -> SynthesisOptions {
        var o = SynthesisOptions()
        o.steps = 2
        o.seed = 7
        return o
    }

    func testStreamedPiecesConcatenateToTheOneShotAudio() async throws {
        let synthesizer = try SpeakFixture.synthesizer()
        let voice = try synthesizer.prepareVoice(path: SpeakFixture.refAudio, transcript: SpeakFixture.refText)
        let oneShot = try synthesizer.generate(text: SpeakFixture.twoChunkText, voice: voice, options: options())
        XCTAssertEqual(oneShot.plan.chunks.count, 2, "the text must plan two chunks for the cross-fade to matter")
        var pieces: [AudioChunk] = []
        for try await chunk in synthesizer.stream(text: SpeakFixture.twoChunkText, voice: voice, options: options()) {
            pieces.append(chunk)
        }
        XCTAssertEqual(pieces.map(\.textChunk), [0, 1])
        XCTAssertEqual(pieces.map(\.isLast), [false, true])
        XCTAssertEqual(pieces.flatMap(\.samples), oneShot.audio, "sample for sample")
        // The first piece stops short of the part the second chunk's cross-fade overlaps.
        let fade = Int(options().crossFadeDuration * Double(synthesizer.sampleRate))
        XCTAssertGreaterThan(pieces[0].samples.count, 0)
        XCTAssertEqual(pieces[1].samples.count, oneShot.audio.count - pieces[0].samples.count)
        XCTAssertGreaterThanOrEqual(pieces[1].samples.count, fade)
    }

    func testCancellingTheConsumerStopsTheSynthesis() async throws {
        let synthesizer = try SpeakFixture.synthesizer()
        let voice = try synthesizer.prepareVoice(path: SpeakFixture.refAudio, transcript: SpeakFixture.refText)
        var long = options()
        long.steps = 64  // far more work than the test waits for
        let consumer = Task { () -> Int in
            var count = 0
            for try await _ in synthesizer.stream(text: SpeakFixture.twoChunkText, voice: voice, options: long) { count += 1 }
            return count
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let started = Date()
        consumer.cancel()
        let result = await consumer.result
        if case .success(let count) = result { XCTAssertLessThan(count, 2, "a cancelled stream must not run to the end") }
        // The synthesizer is free again soon: the cancelled run stopped between steps.
        let next = try synthesizer.generate(text: "Hello.", voice: voice, options: options())
        XCTAssertFalse(next.audio.isEmpty)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the cancelled synthesis should stop within a step")
    }
}
