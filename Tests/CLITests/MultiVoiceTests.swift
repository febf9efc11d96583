import F5TestSupport
import Foundation
import XCTest

/// `-c FILE.toml` and `[NAME]` voice tags against what F5-TTS 1.1.22's `infer_cli.py` did with the same
/// configs and clips (Tests/Fixtures/multivoice/make_multivoice_fixtures.py): segments, voices, chunk
/// texts and frame counts, saved chunk names and lengths.
final class MultiVoiceTests: XCTestCase {
    static let folder = fixturesFolder.appendingPathComponent("multivoice")
    static let models = fixturesFolder.appendingPathComponent("speak/models").path

    func run(_ name: String) throws -> [String: Any] {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("multivoice.json"))) as? [String: Any])
        return (json["runs"] as! [String: Any])[name] as! [String: Any]
    }

    func config(_ name: String) -> String { Self.folder.appendingPathComponent(name).path }

    /// The segments (voice, text, chunk texts and frames) of a dry run, in order.
    func dryRunSegments(_ arguments: [String]) throws -> (segments: [[String: Any]], stderr: String) {
        // From another folder: the config's paths must resolve against the config file, not the working directory.
        let run = try f5tts(arguments: ["speak", "--model", Self.models, "--dry-run"] + arguments, in: try scratch())
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        return (try XCTUnwrap(json["segments"] as? [[String: Any]], run.stdout), run.stderr)
    }

    func assertSegments(_ ours: [[String: Any]], equal reference: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.map { $0["voice"] as! String }, reference.map { $0["voice"] as! String }, "voices", file: file, line: line)
        XCTAssertEqual(ours.map { $0["text"] as! String }, reference.map { $0["gen_text"] as! String }, "texts", file: file, line: line)
        for (index, (segment, expected)) in zip(ours, reference).enumerated() {
            let chunks = (segment["plan"] as! [String: Any])["chunks"] as! [[String: Any]]
            let want = expected["chunks"] as! [[String: Any]]
            XCTAssertEqual(chunks.map { $0["text"] as! String }, want.map { $0["text"] as! String }, "segment \(index) chunk texts", file: file, line: line)
            XCTAssertEqual(chunks.map { $0["frames"] as! Int }, want.map { $0["duration"] as! Int }, "segment \(index) frames", file: file, line: line)
        }
    }

    func testStoryConfigSplitsVoicesAsF5Does() throws {
        var reference = try run("story")["segments"] as! [[String: Any]]
        let (segments, _) = try dryRunSegments(["-c", config("story.toml")])
        // [nobody] names no voice, so it is text: infer_cli cuts there and reads the piece in main, here the
        // piece stays in the main segment before it, tag and all. Every other segment is infer_cli's.
        let cut = try XCTUnwrap(reference.firstIndex { ($0["gen_text"] as! String).hasPrefix("But someone") })
        let joined = (reference[cut - 1]["gen_text"] as! String) + " [nobody] " + (reference[cut]["gen_text"] as! String)
        XCTAssertEqual(segments[cut - 1]["text"] as? String, joined)
        XCTAssertEqual(segments[cut - 1]["voice"] as? String, "main")
        reference.removeSubrange((cut - 1)...cut)
        var others = segments
        others.remove(at: cut - 1)
        assertSegments(others, equal: reference)
    }

    func testTagsWithoutTextAreSkippedWithAWarning() throws {
        // F5-TTS crashes on these (np.concatenate of a None segment); here they are skipped.
        let reference = (try run("story_bare_tag")["segments"] as! [[String: Any]]).filter { !($0["gen_text"] as! String).isEmpty }
        let (segments, stderr) = try dryRunSegments(["-c", config("story.toml"), "-f", config("story_bare_tag.txt")])
        assertSegments(segments, equal: reference)
        XCTAssertTrue(stderr.contains("[town] segment has no text") && stderr.contains("[country] segment has no text"), stderr)
    }

    func testBasicConfigPlansLikeF5() throws {
        let reference = try run("basic")
        let out = try f5tts(arguments: ["speak", "--model", Self.models, "--dry-run", "-c", config("basic.toml")], in: try scratch())
        XCTAssertEqual(out.status, 0, out.stderr)
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let chunks = try XCTUnwrap(plan["chunks"] as? [[String: Any]])
        let want = (reference["segments"] as! [[String: Any]])[0]["chunks"] as! [[String: Any]]
        XCTAssertEqual(chunks.map { $0["text"] as! String }, want.map { $0["text"] as! String })
        XCTAssertEqual(chunks.map { $0["frames"] as! Int }, want.map { $0["duration"] as! Int })
        let options = try XCTUnwrap(plan["options"] as? [String: Any])
        XCTAssertEqual(options["remove_silence"] as? Bool, false)
    }

    /// The story end to end, as F5's README types it, with --save_chunk: the file where the config says,
    /// one chunk file per segment named as F5 names them, each as long as F5's.
    func testStoryRunsEndToEndAndSavesEachSegment() throws {
        let reference = try run("story")
        let work = try scratch()
        let configCopy = work.appendingPathComponent("story.toml")
        for file in ["story.toml", "story.txt", "main.flac", "town.flac", "country.flac"] {
            try FileManager.default.copyItem(at: Self.folder.appendingPathComponent(file), to: work.appendingPathComponent(file))
        }
        let result = try f5tts(arguments: ["speak", "--model", Self.models, "-c", configCopy.path, "--save_chunk", "--nfe_step", "2",
                                           "--seed", "5", "--quiet"], in: try scratch())
        XCTAssertEqual(result.status, 0, result.stderr)
        let outputFolder = work.appendingPathComponent("tests")  // output_dir of story.toml, next to it
        let output = try WAVFile(contentsOf: outputFolder.appendingPathComponent("infer_cli_story.wav"))
        XCTAssertEqual(output.sampleRate, 24000)
        let chunkFolder = outputFolder.appendingPathComponent("infer_cli_story_chunks")
        var expected = reference["chunk_files"] as! [[String: Any]]
        var names = try FileManager.default.contentsOfDirectory(atPath: chunkFolder.path).sorted { $0.localizedStandardCompare($1) == .orderedAscending }
        // [nobody] names no voice: infer_cli's two files at that cut are one here (see testStoryConfigSplitsVoicesAsF5Does).
        let cut = try XCTUnwrap(expected.firstIndex { ($0["name"] as? String ?? "").contains("_But someone") }, "\(expected)")
        let joined = names.remove(at: cut - 1)
        XCTAssertTrue(joined.contains("honey. [nobody] But someone"), joined)
        expected.removeSubrange((cut - 1)...cut)
        XCTAssertEqual(names.count, expected.count)
        var total = try WAVFile(contentsOf: chunkFolder.appendingPathComponent(joined)).samples.count
        for (name, want) in zip(names, expected) {
            let samples = try WAVFile(contentsOf: chunkFolder.appendingPathComponent(name)).samples.count
            XCTAssertEqual(samples, want["samples"] as? Int, name)
            total += samples
        }
        // remove_silence = true in the config: pydub's split_on_silence re-cut the whole (random weights make noise
        // without long silences, so pieces only gain their kept margins; the exact values are GeneratedSilenceTests').
        XCTAssertNotEqual(output.samples.count, total, "remove_silence from the config must have been applied")
        // F5 transliterates names to ASCII (its legacy default); here they keep the text (F5's --no_legacy_text).
        XCTAssertTrue(names.contains("1_\"My poor dear friend, you live here no better than the ants! Come to my café in town.\".wav"), "\(names)")
    }

    /// F5's story.toml names its checkpoint (`model = "F5TTS_v1_Base"`): without --model that means the
    /// downloaded bundle, with a note, not an error.
    func testAModelNameInTheConfigMeansTheDefaultBundle() throws {
        let cache = try scratch()
        // The tiny folder of bundles stands in for the downloaded release.
        try FileManager.default.copyItem(atPath: Self.models, toPath: cache.appendingPathComponent("f5tts-4bit-distill").path)
        let run = try f5ttsWithEnvironment(["speak", "-c", config("story.toml"), "--dry-run"], in: try scratch(),
                                           environment: ["F5TTS_CACHE": cache.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("F5TTS_v1_Base") && run.stderr.contains("4-bit bundle"), run.stderr)
        XCTAssertTrue(run.stdout.contains("\"segments\""), run.stdout)
    }

    func testEmptyTranscriptAsksForIt() throws {
        let work = try scratch()
        try "ref_audio = \"\(Self.folder.appendingPathComponent("main.flac").path)\"\nref_text = \"\"\ngen_text = \"Hello.\"\n"
            .write(to: work.appendingPathComponent("empty.toml"), atomically: true, encoding: .utf8)
        let run = try f5tts(arguments: ["speak", "--model", Self.models, "-c", work.appendingPathComponent("empty.toml").path, "--dry-run"])
        XCTAssertTrue((1...127).contains(run.status), "exit \(run.status)")
        XCTAssertTrue(run.stderr.contains("transcript") && run.stderr.contains("Whisper") && run.stderr.contains("ref_text"), run.stderr)
    }
}
