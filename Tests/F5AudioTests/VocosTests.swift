import F5Bundle
import F5Compute
import F5TestSupport
import XCTest
@testable import F5Audio

/// Vocos on a random-weight tiny Q4 bundle against the `vocos` package run on the same dequantized weights.
final class VocosTests: XCTestCase {
    func decode(_ kind: BackendKind) throws -> (ours: [Float], reference: [Float]) {
        let vocoder = try Vocoder(path: Fixtures.path("vocos_tiny_q4"), backend: makeLinearBackend(kind))
        let (mel, frames) = try NumpyFile.readMel(path: Fixtures.path("vocos_tiny.mel.npy"), channels: 100)
        let audio = try vocoder.decode(mel: mel, frames: frames)
        let reference = try Fixtures.npy("vocos_tiny.audio.npy").values
        XCTAssertEqual(audio.count, vocoder.sampleCount(frames: frames))
        XCTAssertEqual(audio.count, reference.count)
        return (audio, reference)
    }

    func testDequantBackendMatchesVocosPackage() throws {
        let (ours, reference) = try decode(.dequant)
        let value = snr(ours, reference: reference)
        print("Vocos tiny (dequant): SNR \(value) dB, max abs error \(Fixtures.maxAbsError(ours, reference))")
        XCTAssertGreaterThanOrEqual(value, 80)
    }

    /// int8 activations: close, not bit-faithful.
    func testDirectBackendIsClose() throws {
        let (ours, reference) = try decode(.direct)
        let value = snr(ours, reference: reference)
        print("Vocos tiny (direct int4 x int8): SNR \(value) dB")
        XCTAssertGreaterThanOrEqual(value, 25)
    }

    func testRejectsWrongMelSize() throws {
        let vocoder = try Vocoder(path: Fixtures.path("vocos_tiny_q4"), backend: makeLinearBackend(.dequant))
        XCTAssertThrowsError(try vocoder.decode(mel: [Float](repeating: 0, count: 150), frames: 2)) { error in
            XCTAssertTrue("\(error)".contains("200"), "\(error)")
        }
        XCTAssertThrowsError(try vocoder.decode(mel: [Float](repeating: 0, count: 100), frames: 1))
    }
}
