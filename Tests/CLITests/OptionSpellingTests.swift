import F5TestSupport
import Foundation
import XCTest

/// Options exactly as people type them: space-separated values that start with "-", and F5-TTS's own
/// flag names. Each case reads back what the command understood from the dry run's plan and options.
final class OptionSpellingTests: XCTestCase {
    let models = fixturesFolder.appendingPathComponent("speak/models").path
    let refAudio = fixturesFolder.appendingPathComponent("speak/ref.wav").path
    let refText = "The quick brown fox jumps"

    /// The dry run's JSON for `arguments` after the model.
    func dryRun(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try f5tts(arguments: ["speak", "--model", models, "--dry-run"] + arguments)
        XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)", file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout, file: file, line: line)
    }

    func reference(_ extra: [String]) -> [String] { ["--ref-audio", refAudio, "--ref-text", refText] + extra }

    func testNegativeNumbersAreValues() throws {
        let plan = try dryRun(reference(["--text", "Hello there.", "--sway-coef", "-1", "--cfg-strength", "-0.5", "--seed", "3"]))
        let options = try XCTUnwrap(plan["options"] as? [String: Any])
        XCTAssertEqual(options["sway_sampling_coef"] as? Double, -1)
        XCTAssertEqual(options["cfg_strength"] as? Double, -0.5)
        XCTAssertEqual(options["seed"] as? Int, 3)
        // Out-of-range negatives reach validation, which names them (not "Missing value").
        for (flag, value) in [("--speed", "-1"), ("--steps", "-2"), ("--threads", "-1"), ("--target-rms", "-0.1")] {
            let run = try f5tts(arguments: ["speak", "--model", models, "--dry-run"] + reference(["--text", "Hi there.", flag, value]))
            XCTAssertTrue((1...127).contains(run.status), "\(flag) \(value): exit \(run.status)")
            XCTAssertTrue(run.stderr.contains(flag) && !run.stderr.contains("Missing value"), "\(flag) \(value): \(run.stderr)")
        }
    }

    func testTextThatStartsWithDashes() throws {
        for text in ["-1 degrees outside.", "-- a quoted reply.", "--help is a flag, but this is a sentence.", "- a list item.",
                     "--- What to read next?", "----- a rule, then words."] {
            let chunks = try XCTUnwrap(try dryRun(reference(["--text", text]))["chunks"] as? [[String: Any]])
            XCTAssertEqual(chunks.map { $0["text"] as! String }.joined(separator: " "), text)
        }
        let ref = try dryRun(["--ref-audio", refAudio, "--ref-text", "-- The quick brown fox jumps", "--text", "Hello."])
        XCTAssertNotNil(ref["chunks"])
        let dashes = try dryRun(["--ref-audio", refAudio, "--ref-text", "--- The quick brown fox jumps", "--text", "---"])
        XCTAssertEqual((dashes["chunks"] as? [[String: Any]])?.first?["text"] as? String, "---")
        let short = try dryRun(["-r", refAudio, "-s", refText, "-t", "--- What to read next?"])
        XCTAssertEqual((short["chunks"] as? [[String: Any]])?.first?["text"] as? String, "--- What to read next?")
        // A text file whose name starts with a dash.
        let dir = try scratch()
        try "- from a file.".write(to: dir.appendingPathComponent("-notes.txt"), atomically: true, encoding: .utf8)
        let run = try f5tts(arguments: ["speak", "--model", models, "--dry-run"] + reference(["--text-file", "-notes.txt"]), in: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("\"text\":\"- from a file.\""), run.stdout)
    }

    /// Every F5-TTS spelling lands on the same setting as ours.
    func testF5FlagNamesAreAliases() throws {
        let text = "Hello from the other side."
        let base = try dryRun(reference(["--text", text, "--steps", "4", "--cfg-strength", "1.5", "--sway-coef", "-0.5", "--speed", "0.9",
                                         "--cross-fade-duration", "0.3", "--target-rms", "0.2", "--remove-silence", "--ode-method", "midpoint"]))
        let f5 = try dryRun(["--ref_audio", refAudio, "--ref_text", refText, "--gen_text", text, "--nfe_step", "4", "--cfg_strength", "1.5",
                             "--sway_sampling_coef", "-0.5", "--speed", "0.9", "--cross_fade_duration", "0.3", "--target_rms", "0.2",
                             "--remove_silence", "--ode_method", "midpoint"])
        let short = try dryRun(["-r", refAudio, "-s", refText, "-t", text, "--nfe-step", "4", "--cfg_strength", "1.5",
                                "--sway-sampling-coef", "-0.5", "--speed", "0.9", "--cross_fade_duration", "0.3", "--target_rms", "0.2",
                                "--remove_silence", "--ode_method", "midpoint"])
        for other in [f5, short] {
            XCTAssertEqual(other["options"] as? NSDictionary, base["options"] as? NSDictionary)
            XCTAssertEqual(other["chunks"] as? NSArray, base["chunks"] as? NSArray)
        }
        let options = try XCTUnwrap(base["options"] as? [String: Any])
        XCTAssertEqual(options["nfe_step"] as? Int, 4)
        XCTAssertEqual(options["ode_method"] as? String, "midpoint")
        XCTAssertEqual(options["remove_silence"] as? Bool, true)
        // --fix_duration / --fix-duration / --duration, and --gen_file / --gen-file / -f, change the plan the same way.
        let dir = try scratch()
        let textFile = dir.appendingPathComponent("text.txt")
        try text.write(to: textFile, atomically: true, encoding: .utf8)
        let durations = try ["--duration", "--fix-duration", "--fix_duration"].map { flag in
            try dryRun(reference(["--gen_file", textFile.path, flag, "6.5"]))["chunks"] as! NSArray
        }
        XCTAssertEqual(durations[0], durations[1]); XCTAssertEqual(durations[0], durations[2])
        XCTAssertNotEqual(durations[0], try dryRun(reference(["--gen-file", textFile.path]))["chunks"] as? NSArray, "6.5 s must change the frames")
        XCTAssertEqual(try dryRun(reference(["-f", textFile.path]))["chunks"] as? NSArray, try dryRun(reference(["--text", text]))["chunks"] as? NSArray)
    }

    func testVocabFileAliasAndOutputFolder() throws {
        let vocab = fixturesFolder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/F5Text/Resources/vocab.txt").path
        let plain = try dryRun(reference(["--text", "Hello."]))
        XCTAssertEqual(try dryRun(reference(["--text", "Hello.", "--vocab_file", vocab]))["chunks"] as? NSArray, plain["chunks"] as? NSArray)
        let dir = try scratch()
        let run = try f5tts(arguments: ["speak", "--model", models] + reference(["--gen_text", "Hello.", "--nfe_step", "2", "--output_dir", "made/here",
                                                                                  "--output_file", "hello.wav", "--quiet"]), in: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try WAVFile(contentsOf: dir.appendingPathComponent("made/here/hello.wav")).sampleRate, 24000)
        let both = try f5tts(arguments: ["speak", "--model", models] + reference(["--text", "Hi.", "--output", "a.wav", "--output_dir", "x"]))
        XCTAssertTrue(both.stderr.contains("--output") && both.stderr.contains("--output-dir"), both.stderr)
    }

    /// F5-TTS's README commands with only the program name changed, and the options that do not apply here.
    func testF5ReadmeCommandAndOptionsThatDoNotApply() throws {
        let run = try f5tts("speak", "--model", models, "--ref_audio", refAudio, "--ref_text", refText,
                            "--gen_text", "Some text you want TTS model generate for you.", "--nfe_step", "2",
                            "--vocoder_name", "vocos", "--load_vocoder_from_local", "--device", "cuda",
                            "--output_dir", try scratch().path, "--quiet")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("--load_vocoder_from_local") && run.stderr.contains("--device cuda is ignored"), run.stderr)
        let name = try f5tts("speak", "--model", "F5TTS_v1_Base", "--ref_audio", refAudio, "--ref_text", refText, "--gen_text", "Hi.")
        XCTAssertTrue((1...127).contains(name.status))
        XCTAssertTrue(name.stderr.contains("F5TTS_v1_Base is an F5-TTS model name") && name.stderr.contains("f5tts download"), name.stderr)
        let bigvgan = try f5tts("speak", "--model", models, "--vocoder_name", "bigvgan", "--ref_audio", refAudio, "--ref_text", refText, "--gen_text", "Hi.")
        XCTAssertTrue((1...127).contains(bigvgan.status))
        XCTAssertTrue(bigvgan.stderr.contains("--vocoder_name bigvgan") && bigvgan.stderr.contains("--vocoder DIR"), bigvgan.stderr)
    }

    func testVersionAndMissingDefaultModel() throws {
        let version = try f5tts("--version")
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.range(of: #"^\d+\.\d+\.\d+\s*$"#, options: .regularExpression) != nil, version.stdout)
        // No --model and nothing downloaded: say how to get it.
        let home = try scratch()
        let process = try f5ttsWithEnvironment(["speak", "--ref-audio", refAudio, "--ref-text", refText, "--text", "Hi."],
                                               environment: ["F5TTS_CACHE": home.path])
        XCTAssertTrue((1...127).contains(process.status))
        XCTAssertTrue(process.stderr.contains("f5tts download") && process.stderr.contains(home.path), process.stderr)
    }

    func testFlagsOverrideTheConfigFile() throws {
        let dir = try scratch()
        try """
            ref_audio = "\(refAudio)"
            ref_text = "\(refText)"
            gen_text = "From the file."
            nfe_step = 5
            speed = 0.9
            cross_fade_duration = 0.2
            """.write(to: dir.appendingPathComponent("c.toml"), atomically: true, encoding: .utf8)
        let plan = try dryRun(["-c", dir.appendingPathComponent("c.toml").path, "--nfe_step", "3", "--text", "From the flag."])
        let options = try XCTUnwrap(plan["options"] as? [String: Any])
        XCTAssertEqual(options["nfe_step"] as? Int, 3, "the flag wins")
        XCTAssertEqual(options["speed"] as? Double, 0.9, "the file's value where no flag is given")
        XCTAssertEqual(options["cross_fade_duration"] as? Double, 0.2)
        XCTAssertEqual((plan["chunks"] as? [[String: Any]])?.first?["text"] as? String, "From the flag.")
        try "nfe_step = \"many\"\n".write(to: dir.appendingPathComponent("bad.toml"), atomically: true, encoding: .utf8)
        let bad = try f5tts("speak", "--model", models, "-c", dir.appendingPathComponent("bad.toml").path, "--dry-run")
        XCTAssertTrue(bad.stderr.contains("bad.toml") && bad.stderr.contains("nfe_step"), bad.stderr)
        try "ref_audio = [unclosed\n".write(to: dir.appendingPathComponent("broken.toml"), atomically: true, encoding: .utf8)
        let broken = try f5tts("speak", "--model", models, "-c", dir.appendingPathComponent("broken.toml").path, "--dry-run")
        XCTAssertTrue(broken.stderr.contains("broken.toml:1") && broken.stderr.contains("TOML"), broken.stderr)
    }

    func testHelpCarriesTheConsentNotice() throws {
        let help = try f5tts("speak", "--help")
        XCTAssertTrue(help.stdout.contains("owner's authorisation"), help.stdout)
        XCTAssertTrue(help.stdout.contains("--gen-text, --gen_text"), "aliases listed with the option")
    }
}
