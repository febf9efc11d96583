import XCTest
import F5Text

final class CrossFadeTests: XCTestCase {
    /// Final waves assembled by the real infer_batch_process from the same chunk waves.
    func testMatchesReferenceAssembly() throws {
        let cases = try Fixtures.load("crossfade.json", as: [Fixtures.CrossFadeCase].self)
        for c in cases {
            let joined = crossFade(c.waves, sampleRate: c.sampleRate, duration: c.duration)
            XCTAssertEqual(joined, c.expected.map { Float($0) }, "\(c.waves.map(\.count)) at \(c.duration) s")
        }
    }

    func testDegenerateInputs() {
        XCTAssertEqual(crossFade([], sampleRate: 24000, duration: 0.15), [])
        XCTAssertEqual(crossFade([[], [1, 2], []], sampleRate: 24000, duration: 0.15), [1, 2])
        XCTAssertEqual(crossFade([[1], [2]], sampleRate: 24000, duration: .infinity), [1])
        XCTAssertEqual(crossFade([[1], [2]], sampleRate: 24000, duration: .nan), [1, 2])
    }
}
