import F5TestSupport
import Foundation
import XCTest

/// `f5tts edit` against F5-TTS 1.1.22's `speech_edit.py` computation on the tiny speak models
/// (Tests/Fixtures/edit/make_edit_fixtures.py), with the reference's own initial noise.
final class EditTests: XCTestCase {
    static let folder = fixturesFolder.appendingPathComponent("edit")

    func fixture() throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("edit.json"))) as? [String: Any])
    }

    func path(_ relative: String) -> String { Self.folder.appendingPathComponent(relative).standardized.path }

    /// The command as a user types it for one case, plus `extra`.
    func edit(_ name: String, extra: [String]) throws -> (CLIRun, [String: Any]) {
        let f = try fixture()
        let c = (f["cases"] as! [String: Any])[name] as! [String: Any]
        let s = f["settings"] as! [String: Any]
        let parts = (c["parts"] as! [[Double]]).map { "\($0[0])-\($0[1])" }.joined(separator: ",")
        var arguments = ["edit", "--model", path(f["models"] as! String), "--audio", path(f["audio"] as! String),
                         "--origin-text", f["origin_text"] as! String, "--target-text", c["target_text"] as! String,
                         "--parts", parts, "--steps", "\(s["nfe_step"] as! Int)", "--cfg-strength", "\(s["cfg_strength"] as! Double)",
                         "--sway-coef", "\(s["sway_sampling_coef"] as! Double)", "--quiet"]
        if let fixed = c["fix_duration"] as? [Double] { arguments += ["--fix-durations", fixed.map { "\($0)" }.joined(separator: ",")] }
        return (try f5tts(arguments: arguments + extra), c)
    }

    func testEditsMatchTheReferenceWithDequantizedWeights() throws {
        for name in ["replace", "fixed"] {
            let dir = try scratch()
            let out = dir.appendingPathComponent("out.wav"), mel = dir.appendingPathComponent("mel.npy")
            let files = try edit(name, extra: []).1["files"] as! [String: String]
            let (run, c) = try edit(name, extra: ["--noise", path(files["noise"]!), "--backend", "dequant", "--output", out.path,
                                                  "--sample-format", "float32", "--save-mel", mel.path])
            XCTAssertEqual(run.status, 0, run.stderr)
            let wave = try WAVFile(contentsOf: out)
            let (refWave, _) = try NPY.read(URL(fileURLWithPath: path(files["wave"]!)))
            let (ourMel, melShape) = try NPY.read(mel)
            let (refMel, refMelShape) = try NPY.read(URL(fileURLWithPath: path(files["mel"]!)))
            XCTAssertEqual(wave.samples.count, c["samples"] as? Int, "\(name): sample count")
            XCTAssertEqual(melShape, refMelShape, "\(name): mel shape")
            XCTAssertEqual(melShape, [100, c["mel_frames"] as! Int])
            guard wave.samples.count == refWave.count, melShape == refMelShape else { continue }
            let melSNR = snr(ourMel, reference: refMel), waveSNR = snr(wave.samples, reference: refWave)
            print("edit \(name): mel SNR \(melSNR) dB, wave SNR \(waveSNR) dB")
            XCTAssertGreaterThanOrEqual(melSNR, 80, "\(name): mel SNR (dB)")
            XCTAssertGreaterThanOrEqual(waveSNR, 80, "\(name): waveform SNR (dB)")
        }
    }

    func testBadPartsAreRejectedBeforeAnyWork() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out.wav")
        for (parts, mentioning) in [("2.0-1.0", "--parts"), ("abc", "--parts"), ("0.5-99", "part 1"), ("1.2-1.4,0.2-0.4", "part 2")] {
            let run = try f5tts("edit", "--model", path("../speak/models"), "--audio", path("../speak/ref.wav"),
                                "--target-text", "Hello there.", "--parts", parts, "--output", out.path, "--quiet")
            XCTAssertTrue((1...127).contains(run.status), "exit \(run.status) for \(parts)")
            XCTAssertTrue(run.stderr.contains(mentioning), "\(parts): \(run.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
        let mismatch = try f5tts("edit", "--model", path("../speak/models"), "--audio", path("../speak/ref.wav"),
                                 "--target-text", "Hello.", "--parts", "0.2-0.4,0.6-0.8", "--fix-durations", "1", "--output", out.path)
        XCTAssertTrue(mismatch.stderr.contains("--fix-durations"), mismatch.stderr)
    }
}
