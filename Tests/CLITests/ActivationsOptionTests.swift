import F5TestSupport
import Foundation
import XCTest

/// `--activations int16|int8` as typed: the direct path's int16 inputs come closer to the dequant (fp32)
/// output than int8 ones on the same seed, and the option is refused where it means nothing.
final class ActivationsOptionTests: XCTestCase {
    let models = fixturesFolder.appendingPathComponent("speak/models").path

    private func speak(_ extra: [String], in dir: URL) throws -> [Float] {
        let out = dir.appendingPathComponent(UUID().uuidString + ".wav")
        let run = try f5tts(arguments: ["speak", "--model", models, "--ref-audio", fixturesFolder.appendingPathComponent("speak/ref.wav").path,
                                        "--ref-text", "The quick brown fox jumps", "--text", "Hello there.", "--steps", "2", "--seed", "1",
                                        "--output", out.path, "--quiet"] + extra)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try WAVFile(contentsOf: out).samples
    }

    func testInt16IsCloserToTheFP32PathThanInt8() throws {
        let dir = try scratch()
        let exact = try speak(["--backend", "dequant"], in: dir)
        let int16 = try speak(["--backend", "direct", "--activations", "int16", "--attention", "fp32"], in: dir)
        let int8 = try speak(["--backend", "direct", "--activations", "int8", "--attention", "fp32"], in: dir)
        XCTAssertEqual(try speak(["--backend", "direct", "--attention", "fp32"], in: dir), int16, "int16 is the default")
        let snr16 = snr(int16, reference: exact), snr8 = snr(int8, reference: exact)
        print("direct against dequant: int16 \(snr16) dB, int8 \(snr8) dB")
        XCTAssertGreaterThan(snr16, snr8 + 20)
    }

    func testRefusedWithTheDequantPathAndUnknownValues() throws {
        let dequant = try f5tts("speak", "--model", models, "--backend", "dequant", "--activations", "int8", "--text", "Hi.", "--dry-run")
        XCTAssertNotEqual(dequant.status, 0)
        XCTAssertTrue(dequant.stderr.contains("--activations") && dequant.stderr.contains("direct"), dequant.stderr)
        let unknown = try f5tts("speak", "--model", models, "--activations", "int4", "--text", "Hi.", "--dry-run")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("int4") && unknown.stderr.contains("--activations"), unknown.stderr)
    }
}
