import F5TTS
import XCTest
@testable import F5Batch

/// Every line of a job file checked before any synthesis, each problem naming its line and field.
final class BatchJobFileTests: XCTestCase {
    var folder: URL!
    var voices: VoiceLibrary!
    var out: String { folder.appendingPathComponent("out").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("f5batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("voices"), withIntermediateDirectories: true)
        try Data("RIFF".utf8).write(to: folder.appendingPathComponent("voices/alice.wav"))
        try Data("Hello from Alice.\n".utf8).write(to: folder.appendingPathComponent("voices/alice.txt"))
        try Data("RIFF".utf8).write(to: folder.appendingPathComponent("clip.wav"))
        voices = VoiceLibrary(directory: folder.appendingPathComponent("voices").path)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func load(_ lines: [String], defaultVoice: String? = nil, format: AudioFormat = .wav) throws -> JobFile {
        let path = folder.appendingPathComponent("jobs.jsonl").path
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        return try JobFile(path: path, outputDirectory: out, voices: voices, defaultVoice: defaultVoice, format: format)
    }

    func problems(_ lines: [String]) throws -> [JobProblem] {
        do { _ = try load(lines) } catch let BatchError.invalidJobs(file, problems) {
            XCTAssertTrue(file.hasSuffix("jobs.jsonl"))
            return problems
        }
        XCTFail("expected invalid jobs")
        return []
    }

    func testValidJobsResolveVoicesClipsOutputsAndSettings() throws {
        let file = try load([
            #"{"id": "a", "text": "One.", "voice": "alice"}"#,
            "",
            #"{"id": "b", "text": "Two.", "ref_audio": "clip.wav", "ref_text": "The clip.", "output": "part1/b.flac", "seed": 7}"#,
            #"{"id": "c.1", "text": "Three.", "speed": 0.8, "nfe_step": 16, "cfg_strength": 1.5, "sway_sampling_coef": null, "cross_fade_duration": 0, "remove_silence": true}"#,
        ], defaultVoice: "alice", format: .mp3)
        XCTAssertEqual(file.jobs.map(\.id), ["a", "b", "c.1"])
        XCTAssertEqual(file.jobs.map(\.job.line), [1, 3, 4])
        XCTAssertEqual(file.jobs[0].referenceAudio, voices.audioPath("alice"))
        XCTAssertEqual(file.jobs[0].transcript, "Hello from Alice.")
        XCTAssertEqual(file.jobs[0].output, "a.mp3")
        XCTAssertEqual(file.jobs[0].format, .mp3)
        XCTAssertEqual(file.jobs[1].referenceAudio, folder.appendingPathComponent("clip.wav").path)
        XCTAssertEqual(file.jobs[1].output, "part1/b.flac")
        XCTAssertEqual(file.jobs[1].format, .flac, "the output's extension decides its format")
        XCTAssertEqual(file.jobs[2].referenceLabel, "voice alice", "--voice fills in jobs without a reference")

        var base = SynthesisOptions()
        base.steps = 8
        let c = file.jobs[2].job.options(base: base, seedOverride: nil)
        XCTAssertEqual(c.speed, 0.8)
        XCTAssertEqual(c.steps, 16)
        XCTAssertEqual(c.cfgStrength, 1.5)
        XCTAssertNil(c.swaySamplingCoef)
        XCTAssertEqual(c.crossFadeDuration, 0)
        XCTAssertTrue(c.removeSilence)
        XCTAssertEqual(c.seed, StableHash.defaultSeed(id: "c.1"))
        XCTAssertEqual(file.jobs[1].job.options(base: base, seedOverride: 99).seed, 7, "a job's own seed wins over --seed")
        XCTAssertEqual(file.jobs[0].job.options(base: base, seedOverride: 99).seed, 99)
        XCTAssertEqual(file.jobs[0].job.options(base: base, seedOverride: nil).steps, 8)
        XCTAssertEqual(file.jobs(in: try Shard(index: 0, count: 1)).count, 3)
    }

    func testEveryBadLineIsReportedWithItsLineAndField() throws {
        let found = try problems([
            #"{"id": "ok", "text": "Fine.", "voice": "alice"}"#,
            #"{"id": "a", "text": "No closing brace.""#,
            #"["not", "an", "object"]"#,
            #"{"id": "ok", "text": "Again.", "voice": "alice"}"#,
            #"{"id": "../up", "text": "Unsafe id.", "voice": "alice"}"#,
            #"{"id": "e", "text": "Escapes.", "voice": "alice", "output": "../e.wav"}"#,
            #"{"id": "f", "text": "Absolute.", "voice": "alice", "output": "/tmp/f.wav"}"#,
            #"{"id": "g", "text": "No such voice.", "voice": "bob"}"#,
            #"{"id": "h", "text": "No such clip.", "ref_audio": "missing.wav", "ref_text": "x"}"#,
            #"{"id": "i", "text": "No transcript.", "ref_audio": "clip.wav"}"#,
            #"{"id": "j", "text": "Typo.", "voice": "alice", "nfe": 8}"#,
            #"{"id": "k", "text": "Bad values.", "voice": "alice", "speed": -1, "seed": "7", "remove_silence": 1}"#,
            #"{"text": "No id.", "voice": "alice"}"#,
            #"{"id": "l", "text": "Same output.", "voice": "alice", "output": "ok.wav"}"#,
            #"{"id": "m", "text": "", "voice": "alice"}"#,
            #"{"id": "n", "text": "No reference."}"#,
            #"{"id": "o", "text": "Bad extension.", "voice": "alice", "output": "o.txt"}"#,
        ])
        func at(_ line: Int, _ field: String?) -> String? { found.first { $0.line == line && $0.field == field }?.message }
        XCTAssertFalse(found.contains { $0.line == 1 }, "line 1 is valid: \(found)")
        XCTAssertEqual(at(2, nil)?.hasPrefix("not valid JSON"), true, "\(found)")
        XCTAssertEqual(at(3, nil), #"expected a JSON object {"id": ..., "text": ...}"#)
        XCTAssertEqual(at(4, "id"), "'ok' was already used on line 1")
        XCTAssertEqual(at(5, "id")?.contains("not safe as a file name"), true)
        XCTAssertEqual(at(6, "output"), "'../e.wav' leaves the output folder (it contains '..')")
        XCTAssertEqual(at(7, "output")?.contains("is absolute"), true)
        XCTAssertEqual(at(8, "voice")?.hasPrefix("no voice 'bob' in \(voices.directory)"), true, "\(found)")
        XCTAssertEqual(at(8, "voice")?.contains("the folder has: alice"), true)
        XCTAssertEqual(at(9, "ref_audio"), "no readable file \(folder.appendingPathComponent("missing.wav").path)")
        XCTAssertEqual(at(10, "ref_text")?.hasPrefix("missing"), true)
        XCTAssertEqual(at(11, "nfe")?.hasPrefix("unknown field"), true)
        XCTAssertEqual(at(12, "speed"), "expected a number from 0.25 to 4, found -1")
        XCTAssertEqual(at(12, "seed"), "expected an integer from 0 to \(Int.max), found \"7\"")
        XCTAssertEqual(at(12, "remove_silence"), "expected true or false, found 1")
        XCTAssertEqual(at(13, "id"), "missing: every job needs a unique id")
        XCTAssertEqual(at(14, "output"), "'ok.wav' is also the output of line 1")
        XCTAssertEqual(at(15, "text"), "is empty")
        XCTAssertEqual(at(16, nil)?.hasPrefix("no reference"), true)
        XCTAssertEqual(at(17, "output"), "'o.txt' must end in .wav, .flac, .mp3 or .opus")
        XCTAssertEqual(found.map(\.line), found.map(\.line).sorted(), "reported in line order")
        let message = BatchError.invalidJobs(file: "jobs.jsonl", problems: found).description
        XCTAssertTrue(message.contains("jobs.jsonl:12: \"speed\": expected a number from 0.25 to 4"), message)
    }

    func testOutputsMayNotLeaveTheFolderThroughALink() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: out + "/elsewhere", withDestinationPath: folder.path)
        let found = try problems([#"{"id": "a", "text": "x", "voice": "alice", "output": "elsewhere/a.wav"}"#])
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.message.contains("leaves the output folder"), true, "\(found)")
        XCTAssertEqual(found.first?.field, "output")
        XCTAssertNotNil(JobFile.outputProblem(".f5tts-batch/records/x.wav", outputDirectory: out), "the bookkeeping folder is off limits")
        XCTAssertNil(JobFile.outputProblem("book/ch1/a.wav", outputDirectory: out))
    }

    func testEmptyAndUnreadableFilesAreErrors() throws {
        XCTAssertEqual(try problems(["", "  "]).first?.message, "the file has no jobs")
        XCTAssertThrowsError(try JobFile(path: folder.appendingPathComponent("none.jsonl").path, outputDirectory: out, voices: voices,
                                         format: .wav)) { error in
            guard case BatchError.cannotRead = error else { return XCTFail("\(error)") }
        }
    }
}

/// Records, atomic files, locks and the merged summary.
final class BatchRecordTests: XCTestCase {
    func record(_ id: String, _ status: ResultRecord.Status, seconds: Double = 1, audio: Double = 2, shard: String = "0/2") -> ResultRecord {
        ResultRecord(id: id, status: status, error: status == .failed ? "boom" : nil, output: "\(id).wav", seconds: seconds,
                     audioSeconds: status == .ok ? audio : 0, realTimeFactor: status == .ok ? seconds / audio : 0, sha256: nil,
                     inputHash: "h", seed: 1, shard: shard, worker: "test:1", attempt: 1, finishedAt: "2025-01-01T00:00:00Z")
    }

    func testStoreRoundTripsRecordsAndFlagsCorruptOnes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("f5batch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = RecordStore(outputDirectory: dir)
        try store.create()
        XCTAssertEqual(store.read("a"), .missing)
        try store.write(record("a", .ok))
        XCTAssertEqual(store.read("a"), .record(record("a", .ok)))
        let text = try String(contentsOfFile: store.recordPath("a"), encoding: .utf8)
        XCTAssertTrue(text.contains(#""audio_seconds":2"#) && text.contains(#""rtf":0.5"#) && text.contains(#""input_hash":"h""#), text)
        try Data(text.prefix(20).utf8).write(to: URL(fileURLWithPath: store.recordPath("a")))
        guard case .unreadable = store.read("a") else { return XCTFail("a truncated record must read as unreadable") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.temporary), [], "no temporary file left")
        FileManager.default.createFile(atPath: store.temporaryPath("b", "wav"), contents: Data([1]))
        FileManager.default.createFile(atPath: (store.temporary as NSString).appendingPathComponent("bc~1.wav"), contents: Data([1]))
        store.removeLeftovers("b")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.temporary), ["bc~1.wav"], "only b's leftovers go")
    }

    func testLockIsExclusiveAndFreedWithItsHolder() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("f5batch-\(UUID().uuidString).lock").path
        defer { unlink(path) }
        var first = try JobLock.acquire(path, wait: false)
        XCTAssertNotNil(first)
        XCTAssertNil(try JobLock.acquire(path, wait: false), "a second holder is refused")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), Worker.name + "\n")
        first = nil
        XCTAssertNotNil(try JobLock.acquire(path, wait: false), "closing the holder frees the lock")
    }

    func testSummaryCountsTotalsAndFailures() {
        let summary = BatchSummary(records: [record("a", .ok, seconds: 1, audio: 2), record("b", .ok, seconds: 3, audio: 2, shard: "1/2"),
                                             record("c", .failed)], unreadable: ["d.json"])
        XCTAssertEqual(summary.jobs, 4)
        XCTAssertEqual(summary.ok, 2)
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(summary.audioSeconds, 4)
        XCTAssertEqual(summary.seconds, 4)
        XCTAssertEqual(summary.realTimeFactor, 1.0)
        XCTAssertEqual(summary.meanRealTimeFactor, (0.5 + 1.5) / 2)
        XCTAssertEqual(summary.shards, ["0/2": 1, "1/2": 1])
        XCTAssertEqual(summary.failures, [BatchSummary.Failure(id: "c", output: "c.wav", error: "boom", shard: "0/2")])
        XCTAssertTrue(summary.text.contains("4 job(s): 2 ok, 1 failed, 1 unreadable record(s)"), summary.text)
        XCTAssertTrue(summary.text.contains("failed c (c.wav, shard 0/2): boom"), summary.text)
    }
}
