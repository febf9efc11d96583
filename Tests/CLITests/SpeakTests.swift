import F5TestSupport
import Foundation
import XCTest

/// `f5tts speak` end to end against the real reference pipeline (`preprocess_ref_audio_text` + `infer_process`
/// of f5-tts 1.1.22) on a tiny random-weight F5 DiT + Vocos pair: Tests/Fixtures/speak/make_speak_fixtures.py.
final class SpeakTests: XCTestCase {
    static let folder = fixturesFolder.appendingPathComponent("speak")

    struct Fixture {
        let json: [String: Any]
        func path(_ name: String) -> String { SpeakTests.folder.appendingPathComponent(name).path }
        var models: String { path(json["models"] as! String) }
        var refAudio: String { path(json["ref_audio"] as! String) }
        var refText: String { json["ref_text"] as! String }
        var settings: [String: Any] { json["settings"] as! [String: Any] }
        func testCase(_ name: String) -> [String: Any] { (json["cases"] as! [String: Any])[name] as! [String: Any] }
    }

    func fixture() throws -> Fixture {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("speak.json"))
        return Fixture(json: try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    /// The arguments shared by every run: the fixture models and reference, the reference's sampling settings.
    func common(_ f: Fixture) -> [String] {
        let s = f.settings
        return ["speak", "--model", f.models, "--ref-audio", f.refAudio, "--ref-text", f.refText,
                "--steps", "\(s["nfe_step"] as! Int)", "--cfg-strength", "\(s["cfg_strength"] as! Double)",
                "--sway-coef", "\(s["sway_sampling_coef"] as! Double)", "--speed", "\(s["speed"] as! Double)", "--quiet"]
    }

    // MARK: - Parity with the reference

    /// Runs the single-chunk case with the reference's noise; returns (waveform, mel [100, T], T).
    func synthesizeSingle(backend: String) throws -> (wave: [Float], mel: [Float], melShape: [Int], reference: [String: Any]) {
        let f = try fixture()
        let single = f.testCase("single")
        let files = single["files"] as! [String: String]
        let dir = try scratch()
        let out = dir.appendingPathComponent("out.wav"), mel = dir.appendingPathComponent("mel.npy")
        let run = try f5tts(arguments: common(f) + [
            "--text", single["text"] as! String, "--noise", f.path(files["noise"]!), "--backend", backend,
            "--output", out.path, "--sample-format", "float32", "--save-mel", mel.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let wave = try WAVFile(data: Data(contentsOf: out))
        XCTAssertEqual(wave.sampleRate, 24000)
        XCTAssertEqual(wave.channels, 1)
        XCTAssertEqual(wave.format, 3, "float32 WAV expected (format 3, IEEE float)")
        XCTAssertEqual(wave.bitsPerSample, 32)
        let (melValues, melShape) = try NPY.read(mel)
        return (wave.samples, melValues, melShape, single)
    }

    func testSingleChunkMatchesTheReferenceWithDequantizedWeights() throws {
        let f = try fixture()
        let (wave, mel, melShape, single) = try synthesizeSingle(backend: "dequant")
        let files = single["files"] as! [String: String]
        let (refWave, refWaveShape) = try NPY.read(URL(fileURLWithPath: f.path(files["wave"]!)))
        let (refMel, refMelShape) = try NPY.read(URL(fileURLWithPath: f.path(files["mel"]!)))
        XCTAssertEqual(refWaveShape, [single["samples"] as! Int])
        XCTAssertEqual(wave.count, refWave.count, "sample count")
        XCTAssertEqual(melShape, refMelShape, "saved mel shape [100, frames]")
        XCTAssertEqual(melShape, [100, single["mel_frames"] as! Int])
        guard wave.count == refWave.count, melShape == refMelShape else { return }
        let melSNR = snr(mel, reference: refMel), waveSNR = snr(wave, reference: refWave)
        print("speak dequant: mel SNR \(melSNR) dB, wave SNR \(waveSNR) dB")
        XCTAssertGreaterThanOrEqual(melSNR, 80, "mel SNR (dB) against the reference's combined spectrogram")
        XCTAssertGreaterThanOrEqual(waveSNR, 80, "waveform SNR (dB) against the reference's final wave")
    }

    func testSingleChunkDirectBackendStaysCloseToTheReference() throws {
        let f = try fixture()
        let (wave, mel, melShape, single) = try synthesizeSingle(backend: "direct")
        let files = single["files"] as! [String: String]
        let (refMel, refMelShape) = try NPY.read(URL(fileURLWithPath: f.path(files["mel"]!)))
        XCTAssertEqual(wave.count, single["samples"] as! Int, "sample count")
        XCTAssertEqual(melShape, refMelShape)
        guard melShape == refMelShape else { return }
        let melSNR = snr(mel, reference: refMel)
        print("speak direct: mel SNR \(melSNR) dB")
        XCTAssertGreaterThanOrEqual(melSNR, 30, "mel SNR (dB) with int8 activations")
    }

    /// The plan (reference frames, chunk texts, token ids, frame counts) equals what the reference handed to
    /// CFM.sample, for the one-chunk and the two-chunk text.
    func testDryRunPlansMatchTheReference() throws {
        let f = try fixture()
        for name in ["single", "multi"] {
            let expected = f.testCase(name)
            let run = try f5tts(arguments: common(f) + ["--text", expected["text"] as! String, "--dry-run"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
            XCTAssertEqual(plan["ref_frames"] as? Int, expected["ref_frames"] as? Int, name)
            let chunks = try XCTUnwrap(plan["chunks"] as? [[String: Any]]), want = expected["chunks"] as! [[String: Any]]
            XCTAssertEqual(chunks.count, want.count, "\(name): chunk count")
            for (index, (got, ref)) in zip(chunks, want).enumerated() {
                XCTAssertEqual(got["text"] as? String, ref["text"] as? String, "\(name) chunk \(index): text")
                XCTAssertEqual(got["frames"] as? Int, ref["frames"] as? Int, "\(name) chunk \(index): frames")
                XCTAssertEqual(got["token_ids"] as? [Int], ref["token_ids"] as? [Int], "\(name) chunk \(index): token ids")
            }
        }
        XCTAssertEqual(f.testCase("multi")["chunks"].map { ($0 as! [Any]).count }, 2, "the multi fixture has two chunks")
    }

    // MARK: - Errors and output plumbing

    func testMissingReferenceAudioIsNamedAndNothingIsWritten() throws {
        let f = try fixture()
        let dir = try scratch()
        let missing = dir.appendingPathComponent("no-such-reference.wav").path
        let out = dir.appendingPathComponent("out.wav")
        let run = try f5tts("speak", "--model", f.models, "--ref-audio", missing, "--ref-text", f.refText,
                            "--text", "Hello there.", "--output", out.path, "--quiet")
        XCTAssertTrue((1...127).contains(run.status), "exit \(run.status)")
        XCTAssertTrue(run.stderr.contains(missing), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    func testEmptyTextIsRejected() throws {
        let f = try fixture()
        let dir = try scratch()
        for text in ["", "   \n"] {
            let out = dir.appendingPathComponent("out.wav")
            let run = try f5tts(arguments: common(f) + ["--text", text, "--output", out.path])
            XCTAssertTrue((1...127).contains(run.status), "exit \(run.status) for \(text.debugDescription)")
            XCTAssertTrue(run.stderr.contains("text"), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
    }

    func testUnwritableOutputLeavesNoPartialFile() throws {
        let f = try fixture()
        let dir = try scratch()
        // A folder that does not exist, a "folder" that is a file, and a destination that is a folder.
        let blocker = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        let occupied = dir.appendingPathComponent("occupied.wav")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: occupied.appendingPathComponent("inside"))
        for target in [dir.appendingPathComponent("missing/out.wav"), blocker.appendingPathComponent("out.wav"), occupied] {
            let run = try f5tts(arguments: common(f) + ["--text", "Hello there.", "--output", target.path])
            XCTAssertTrue((1...127).contains(run.status), "exit \(run.status) for \(target.path)")
            XCTAssertTrue(run.stderr.contains(target.path), run.stderr)
        }
        // Nothing but what the test made: no temporary or partial file anywhere.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["a-file", "occupied.wav"])
        XCTAssertEqual(try Data(contentsOf: blocker), Data("x".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: occupied.path), ["inside"])
    }

    func testNoiseWithTheWrongFrameCountIsRejected() throws {
        let f = try fixture()
        let single = f.testCase("single")
        let noise = f.path((single["files"] as! [String: String])["noise"]!)
        let frames = (single["chunks"] as! [[String: Any]])[0]["frames"] as! Int
        let dir = try scratch()
        let out = dir.appendingPathComponent("out.wav")
        // A longer text plans more frames than the noise holds.
        let run = try f5tts(arguments: common(f) + ["--text", "Nice to meet you, my dear old friend, at last.", "--noise", noise,
                                                    "--output", out.path])
        XCTAssertTrue((1...127).contains(run.status), "exit \(run.status)")
        XCTAssertTrue(run.stderr.contains("noise") && run.stderr.contains("\(frames)"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// Chinese text is planned with the reference's tokens (the fixture written by rjieba + pypinyin, in
    /// the vocabulary's ids) and spoken.
    func testChineseTextIsPlannedAsTheReferenceAndSpoken() throws {
        let f = try fixture()
        let line = try String(contentsOf: fixturesFolder.appendingPathComponent("text/chinese_tokens.tsv"), encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("我不喜欢日本和服。") }!
        let parts = line.split(separator: "\t", maxSplits: 1)
        let vocabulary = try String(contentsOf: fixturesFolder.appendingPathComponent("../../Sources/F5Text/Resources/vocab.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expected = parts[1].split(separator: "|", omittingEmptySubsequences: false).map { vocabulary.firstIndex(of: String($0)) ?? 0 }
        let plan = try f5tts(arguments: common(f) + ["--text", String(parts[0]), "--dry-run"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any], plan.stdout)
        let ids = try XCTUnwrap((json["chunks"] as? [[String: Any]])?.first?["token_ids"] as? [Int])
        XCTAssertEqual(Array(ids.suffix(expected.count)), expected, "the text's tokens follow the reference text's")
        let out = try scratch().appendingPathComponent("zh.wav")
        let run = try f5tts(arguments: common(f) + ["--text", String(parts[0]), "--output", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertGreaterThan(try WAVFile(data: Data(contentsOf: out)).samples.count, 24000 / 2)
    }

    /// Standard output streams: a WAV whose sizes say "open-ended" (as OpenAI's streamed WAV), then the
    /// samples chunk by chunk, equal to the file the same synthesis writes.
    func testStandardOutputStreamsTheSameWAV() throws {
        let f = try fixture()
        let arguments = common(f) + ["--text", f.testCase("multi")["text"] as! String, "--steps", "2", "--seed", "9", "--backend", "dequant"]
        let run = try f5tts(arguments: arguments + ["--output", "-"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stdout = run.stdoutData
        let wave = try WAVFile(data: stdout)
        XCTAssertEqual(wave.format, 1, "PCM")
        XCTAssertEqual(wave.bitsPerSample, 16)
        XCTAssertEqual(wave.channels, 1)
        XCTAssertEqual(wave.sampleRate, 24000)
        XCTAssertEqual(wave.riffSize, 0xFFFF_FFFF, "RIFF size of a stream")
        XCTAssertEqual(stdout.count, 44 + 2 * wave.samples.count, "a 44-byte header, then the samples")
        let file = try scratch().appendingPathComponent("file.wav")
        XCTAssertEqual(try f5tts(arguments: arguments + ["--output", file.path]).status, 0)
        XCTAssertEqual(wave.samples, try WAVFile(contentsOf: file).samples, "streamed and written audio are the same samples")
        XCTAssertEqual(f.testCase("multi")["chunks"].map { ($0 as! [Any]).count }, 2, "two chunks: the stream had two pieces")
        // Raw PCM: the same samples without a header.
        let raw = try f5tts(arguments: arguments + ["--output", "-", "--format", "pcm"])
        XCTAssertEqual(raw.status, 0, raw.stderr)
        XCTAssertEqual(raw.stdoutData, stdout.dropFirst(44))
    }

    /// The app archive read in place, with the defaults (no sampling flags): the same plan as the folder.
    func testTheAppArchiveWithDefaultsPlansLikeTheFolder() throws {
        let f = try fixture()
        let tar = try scratch().appendingPathComponent("app.tar")
        let tarRun = Process()
        tarRun.executableURL = URL(fileURLWithPath: "/bin/tar")
        tarRun.arguments = ["-cf", tar.path, "-C", f.models, "."]
        try tarRun.run()
        tarRun.waitUntilExit()
        XCTAssertEqual(tarRun.terminationStatus, 0)
        let text = "Hello from an archive, with the default settings."
        let fromFolder = try f5tts("speak", "--model", f.models, "--ref-audio", f.refAudio, "--ref-text", f.refText, "--text", text, "--dry-run")
        let fromArchive = try f5tts("speak", "--model", tar.path, "--ref-audio", f.refAudio, "--ref-text", f.refText, "--text", text, "--dry-run")
        XCTAssertEqual(fromFolder.status, 0, fromFolder.stderr)
        XCTAssertEqual(fromArchive.status, 0, fromArchive.stderr)
        XCTAssertEqual(fromArchive.stdout, fromFolder.stdout)
        XCTAssertTrue(fromFolder.stdout.contains("\"token_ids\""), fromFolder.stdout)
    }
}
