import F5TestSupport
import Foundation
import XCTest

/// `f5tts vocode` on a mel saved by the `vocos` package's own test fixture: the same waveform back.
final class VocodeTests: XCTestCase {
    let audio = fixturesFolder.appendingPathComponent("audio")

    func testVocodeMatchesTheVocosPackage() throws {
        let out = try scratch().appendingPathComponent("out.wav")
        let run = try f5tts("vocode", "--vocoder", audio.appendingPathComponent("vocos_tiny_q4").path,
                            "--mel", audio.appendingPathComponent("vocos_tiny.mel.npy").path,
                            "--output", out.path, "--sample-format", "float32", "--backend", "dequant")
        XCTAssertEqual(run.status, 0, run.stderr)
        let ours = try WAVFile(data: Data(contentsOf: out))
        let (reference, _) = try NPY.read(audio.appendingPathComponent("vocos_tiny.audio.npy"))
        XCTAssertEqual(ours.samples.count, reference.count)
        XCTAssertGreaterThanOrEqual(snr(ours.samples, reference: reference), 80)
    }

    func testWrongMelShapeIsAnErrorWithoutOutput() throws {
        let folder = try scratch()
        let out = folder.appendingPathComponent("out.wav")
        // The reference waveform is a 1-D array, not [100, T].
        let run = try f5tts("vocode", "--vocoder", audio.appendingPathComponent("vocos_tiny_q4").path,
                            "--mel", audio.appendingPathComponent("vocos_tiny.audio.npy").path, "--output", out.path)
        XCTAssertTrue((1...127).contains(run.status))
        XCTAssertTrue(run.stderr.contains("vocos_tiny.audio.npy"), run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
