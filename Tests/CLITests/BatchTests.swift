import F5TestSupport
import Foundation
import Synchronization
import XCTest

/// `f5tts batch` as Slurm tasks and Kubernetes pods run it, on the tiny fixture model: sharding that does
/// not change a bit of the output, reruns that redo exactly what changed, processes killed with SIGKILL
/// and run twice on one shard, bad lines reported before any synthesis, and the merged summary.
final class BatchTests: XCTestCase {
    static let speak = fixturesFolder.appendingPathComponent("speak")
    static let refText = "The quick brown fox jumps"
    static let texts = ["Hello there, this is the first line.", "A second sentence, a little longer than the first.",
                        "Three.", "The fourth job speaks with a stored voice.", "Five is spoken from a clip beside the file.",
                        "And six, the last of them."]

    /// A job file with six jobs (four in the stored voice `alice`, two from `ref.wav` beside the file) and a voices folder.
    struct Setup {
        let root: URL
        var jobs: URL { root.appendingPathComponent("jobs.jsonl") }
        var voices: URL { root.appendingPathComponent("voices") }
        func out(_ name: String) -> URL { root.appendingPathComponent(name) }
        var ids: [String] { (1...6).map { "utt-\($0)" } }
    }

    func setup(lines: [String]? = nil, in folder: URL? = nil) throws -> Setup {
        let s = Setup(root: try folder ?? scratch())
        try FileManager.default.createDirectory(at: s.voices, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.speak.appendingPathComponent("ref.wav"), to: s.voices.appendingPathComponent("alice.wav"))
        try Data((Self.refText + "\n").utf8).write(to: s.voices.appendingPathComponent("alice.txt"))
        try FileManager.default.copyItem(at: Self.speak.appendingPathComponent("ref.wav"), to: s.root.appendingPathComponent("ref.wav"))
        let jobs = lines ?? Self.texts.enumerated().map { i, text in
            i < 4 ? #"{"id": "utt-\#(i + 1)", "text": "\#(text)", "voice": "alice"}"#
                : #"{"id": "utt-\#(i + 1)", "text": "\#(text)", "ref_audio": "ref.wav", "ref_text": "\#(Self.refText)"}"#
        }
        try write(jobs, to: s.jobs)
        return s
    }

    /// One uninterrupted single-process run of the default six jobs, made once and shared by the tests
    /// that compare against it.
    static let referenceRun = Mutex<Setup?>(nil)
    func reference() throws -> Setup {
        if let made = Self.referenceRun.withLock({ $0 }) { return made }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-batch-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let s = try setup(in: folder)
        let run = try f5tts(arguments: arguments(s, out: "reference"))
        XCTAssertEqual(run.status, 0, run.stderr)
        Self.referenceRun.withLock { $0 = s }
        return s
    }

    override class func tearDown() {
        if let made = referenceRun.withLock({ $0 }) { try? FileManager.default.removeItem(at: made.root) }
        super.tearDown()
    }

    func write(_ lines: [String], to url: URL) throws { try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url) }

    func arguments(_ s: Setup, out: String, _ extra: [String] = []) -> [String] {
        ["batch", s.jobs.path, "--out", s.out(out).path, "--model", Self.speak.appendingPathComponent("models").path,
         "--voices-dir", s.voices.path, "--steps", "2", "--backend", "dequant"] + extra
    }

    func record(_ s: Setup, _ out: String, _ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: s.out(out).appendingPathComponent(".f5tts-batch/records/\(id).json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], id)
    }

    func recordData(_ s: Setup, _ out: String, _ id: String) throws -> Data {
        try Data(contentsOf: s.out(out).appendingPathComponent(".f5tts-batch/records/\(id).json"))
    }

    func output(_ s: Setup, _ out: String, _ id: String, _ ext: String = "wav") throws -> Data {
        try Data(contentsOf: s.out(out).appendingPathComponent("\(id).\(ext)"))
    }

    /// FNV-1a 64, written again here so that the test does not trust the code under test.
    func shard(of id: String, count: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash % count
    }

    func sha256(_ url: URL) throws -> String { String(try command("/usr/bin/env", ["sha256sum", url.path]).prefix(64)) }

    /// Files under `folder` that are not outputs or records: partial files, temporaries.
    func strayFiles(_ folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var stray: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !exists || isDirectory.boolValue { continue }
            let ok = (path.hasSuffix(".wav") && !path.contains("/")) || (path.hasPrefix(".f5tts-batch/records/") && path.hasSuffix(".json"))
                || path.hasPrefix(".f5tts-batch/locks/")
            if !ok { stray.append(path) }
        }
        return stray.sorted()
    }

    // MARK: - Sharding

    func testOneShardAndThreeShardsWriteBitIdenticalFiles() throws {
        let s = try setup(), one = try reference()
        let whole = try f5tts(arguments: arguments(s, out: "one", ["--shard", "0/1", "--dry-run"]))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertEqual(whole.stdout.split(separator: "\n").count, 6, whole.stdout)
        var counts = [Int](repeating: 0, count: 3)
        for index in 0..<3 {
            let run = try f5tts(arguments: arguments(s, out: "three", ["--shard", "\(index)/3"]))
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stderr.contains("ETA"), run.stderr)
            counts[index] = s.ids.filter { shard(of: $0, count: 3) == UInt64(index) }.count
            XCTAssertTrue(run.stderr.contains("\(counts[index]) job(s) in shard \(index)/3"), run.stderr)
        }
        XCTAssertEqual(counts.reduce(0, +), 6)
        for id in s.ids {
            let whole = one.out("reference").appendingPathComponent("\(id).wav"), three = s.out("three").appendingPathComponent("\(id).wav")
            XCTAssertEqual(try sha256(whole), try sha256(three), "\(id): 1 shard and 3 shards must give the same bytes")
            let r = try record(s, "three", id)
            XCTAssertEqual(r["status"] as? String, "ok")
            XCTAssertEqual(r["shard"] as? String, "\(shard(of: id, count: 3))/3")
            XCTAssertEqual(r["sha256"] as? String, try sha256(three))
            XCTAssertEqual(r["output"] as? String, "\(id).wav")
            XCTAssertEqual(r["attempt"] as? Int, 1)
            XCTAssertEqual((r["seed"] as? NSNumber)?.uint64Value, {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in ("f5tts-batch-seed:" + id).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                return hash & 0xffff_ffff
            }())
            XCTAssertEqual(r["input_hash"] as? String, try record(one, "reference", id)["input_hash"] as? String)
            let audio = try XCTUnwrap(r["audio_seconds"] as? Double), seconds = try XCTUnwrap(r["seconds"] as? Double)
            let wav = try WAVFile(data: Data(contentsOf: three))
            XCTAssertEqual(audio, Double(wav.samples.count) / 24000, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(r["rtf"] as? Double), seconds / audio, accuracy: 1e-9)
        }
        XCTAssertNotEqual(try output(s, "three", "utt-1"), try output(s, "three", "utt-2"))
        XCTAssertEqual(strayFiles(s.out("three")), [])

        let summary = try f5tts("batch", "--summary", s.out("three").path, "--json")
        XCTAssertEqual(summary.status, 0, summary.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: summary.stdoutData) as? [String: Any])
        XCTAssertEqual(json["jobs"] as? Int, 6)
        XCTAssertEqual(json["ok"] as? Int, 6)
        XCTAssertEqual(json["failed"] as? Int, 0)
        let audio = try s.ids.map { try XCTUnwrap(record(s, "three", $0)["audio_seconds"] as? Double) }.reduce(0, +)
        let seconds = try s.ids.map { try XCTUnwrap(record(s, "three", $0)["seconds"] as? Double) }.reduce(0, +)
        XCTAssertEqual(try XCTUnwrap(json["audio_seconds"] as? Double), audio, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(json["rtf"] as? Double), seconds / audio, accuracy: 1e-9)
        XCTAssertEqual(json["shards"] as? [String: Int], Dictionary(uniqueKeysWithValues: (0..<3).map { ("\($0)/3", counts[$0]) }).filter { $0.value > 0 })
        let text = try f5tts("batch", "--summary", s.out("three").path)
        XCTAssertTrue(text.stdout.hasPrefix("6 job(s): 6 ok, 0 failed\n"), text.stdout)
    }

    /// Three jobs side by side on two threads (`--workers 3`): every job done once, the same bytes as the
    /// one-worker run, records complete, nothing left over; `--workers 0` is refused by name.
    func testThreeWorkersWriteTheFilesOneWorkerWrites() throws {
        let s = try setup(), one = try reference()
        let run = try f5tts(arguments: arguments(s, out: "workers", ["--workers", "3", "--threads", "2"]))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("3 worker(s)"), run.stderr)
        XCTAssertEqual(Set((1...6).map { run.stderr.contains("[\($0)/6]") }), [true], run.stderr)
        for id in s.ids {
            let workers = s.out("workers").appendingPathComponent("\(id).wav")
            XCTAssertEqual(try sha256(one.out("reference").appendingPathComponent("\(id).wav")), try sha256(workers), id)
            let r = try record(s, "workers", id)
            XCTAssertEqual(r["status"] as? String, "ok")
            XCTAssertEqual(r["attempt"] as? Int, 1)
            XCTAssertEqual(r["sha256"] as? String, try sha256(workers))
        }
        XCTAssertEqual(strayFiles(s.out("workers")), [])
        let again = try f5tts(arguments: arguments(s, out: "workers", ["--workers", "3"]))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("6 job(s) in shard 0/1: 0 to run"), again.stderr)

        let refused = try f5tts(arguments: arguments(s, out: "refused", ["--workers", "0"]))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--workers must be at least 1, got 0"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.out("refused").path))
    }

    func testDryRunListsTheShardFromSlurmVariablesAndSynthesisesNothing() throws {
        let s = try setup()
        // --array=3-7:2 has tasks 3, 5, 7: task 7 is shard 2 of 3.
        let run = try f5ttsWithEnvironment(arguments(s, out: "dry", ["--dry-run", "--json"]), environment: [
            "SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "3"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: run.stdoutData) as? [String: Any])
        XCTAssertEqual(json["shard"] as? String, "2/3")
        XCTAssertEqual(json["file_jobs"] as? Int, 6)
        let jobs = try XCTUnwrap(json["jobs"] as? [[String: Any]])
        XCTAssertEqual(Set(jobs.compactMap { $0["id"] as? String }), Set(s.ids.filter { shard(of: $0, count: 3) == 2 }))
        XCTAssertEqual(Set(jobs.compactMap { $0["state"] as? String }), ["pending"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.out("dry").path), "a dry run writes nothing")

        // Kubernetes: the index from JOB_COMPLETION_INDEX, the count from --shards.
        let pod = try f5ttsWithEnvironment(arguments(s, out: "dry", ["--dry-run", "--shards", "2"]), environment: ["JOB_COMPLETION_INDEX": "1"])
        XCTAssertEqual(pod.status, 0, pod.stderr)
        XCTAssertEqual(Set(pod.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }),
                       Set(s.ids.filter { shard(of: $0, count: 2) == 1 }))
        // Jobs run grouped by reference (each voice prepared once), each group in file order.
        let mixed = try setup(lines: (1...6).map { i in
            i % 2 == 1 ? #"{"id": "m\#(i)", "text": "Line \#(i).", "ref_audio": "ref.wav", "ref_text": "\#(Self.refText)"}"#
                : #"{"id": "m\#(i)", "text": "Line \#(i).", "voice": "alice"}"#
        })
        let order = try f5tts(arguments: arguments(mixed, out: "dry", ["--dry-run"]))
        XCTAssertEqual(order.status, 0, order.stderr)
        XCTAssertEqual(order.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }, ["m1", "m3", "m5", "m2", "m4", "m6"])

        let noCount = try f5ttsWithEnvironment(arguments(s, out: "dry", ["--dry-run"]), environment: ["JOB_COMPLETION_INDEX": "1"])
        XCTAssertEqual(noCount.status, 65)
        XCTAssertTrue(noCount.stderr.contains("pass --shards N or set F5TTS_SHARDS"), noCount.stderr)
    }

    // MARK: - Reruns

    func testRerunSkipsDoneJobsAndRedoesExactlyTheChangedOnes() throws {
        var s = try setup()
        let first = try f5tts(arguments: arguments(s, out: "out"))
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("6 job(s): 6 synthesised, 0 already done, 0 failed"), first.stderr)
        XCTAssertTrue(first.stderr.contains("[6/6] "), "progress names job i of n: \(first.stderr)")
        XCTAssertEqual(first.stderr.components(separatedBy: "model loaded").count, 2, "the model is loaded once")
        let before = try Dictionary(uniqueKeysWithValues: s.ids.map { ($0, try recordData(s, "out", $0)) })
        let audio = try Dictionary(uniqueKeysWithValues: s.ids.map { ($0, try output(s, "out", $0)) })

        let again = try f5tts(arguments: arguments(s, out: "out"))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("6 job(s): 0 synthesised, 6 already done"), again.stderr)
        XCTAssertFalse(again.stderr.contains("model loaded"), "nothing to do: the model is not even loaded")
        for id in s.ids { XCTAssertEqual(try recordData(s, "out", id), before[id], "\(id) untouched") }

        // Deleted output, corrupted record, corrupted output, changed text, changed setting.
        try FileManager.default.removeItem(at: s.out("out").appendingPathComponent("utt-1.wav"))
        try Data(#"{"id": "utt-2", "sta"#.utf8).write(to: s.out("out").appendingPathComponent(".f5tts-batch/records/utt-2.json"))
        var damaged = audio["utt-3"]!
        damaged[damaged.count / 2] ^= 0xff
        try damaged.write(to: s.out("out").appendingPathComponent("utt-3.wav"))
        var lines = try String(contentsOf: s.jobs, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: "stored voice", with: "changed voice")
        lines[4] = lines[4].replacingOccurrences(of: "}", with: #", "speed": 1.2}"#)
        try write(lines, to: s.jobs)
        s = Setup(root: s.root)

        let redo = try f5tts(arguments: arguments(s, out: "out"))
        XCTAssertEqual(redo.status, 0, redo.stderr)
        XCTAssertTrue(redo.stderr.contains("6 job(s): 5 synthesised, 1 already done"), redo.stderr)
        XCTAssertEqual(try recordData(s, "out", "utt-6"), before["utt-6"], "the untouched job is not redone")
        for id in ["utt-1", "utt-2", "utt-3"] {
            XCTAssertEqual(try output(s, "out", id), audio[id], "\(id) is redone bit for bit")
            XCTAssertNotEqual(try recordData(s, "out", id), before[id])
        }
        XCTAssertEqual(try record(s, "out", "utt-1")["attempt"] as? Int, 2)
        XCTAssertEqual(try record(s, "out", "utt-2")["attempt"] as? Int, 1, "an unreadable record starts the count again")
        XCTAssertEqual(try record(s, "out", "utt-3")["attempt"] as? Int, 2)
        XCTAssertNotEqual(try output(s, "out", "utt-4"), audio["utt-4"], "changed text, new audio")
        XCTAssertNotEqual(try output(s, "out", "utt-5"), audio["utt-5"], "changed speed, new audio")
        XCTAssertEqual(strayFiles(s.out("out")), [])
    }

    func testFailedJobsAreRecordedAndRetriedOnlyWhenAsked() throws {
        let s = try setup()
        try Data("this is not audio".utf8).write(to: s.root.appendingPathComponent("broken.wav"))
        var lines = try String(contentsOf: s.jobs, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.append(#"{"id": "bad", "text": "Never spoken.", "ref_audio": "broken.wav", "ref_text": "Nothing."}"#)
        lines.append(#"{"id": "flac", "text": "In FLAC.", "voice": "alice", "output": "sub/flac.flac"}"#)
        try write(lines, to: s.jobs)

        let run = try f5tts(arguments: arguments(s, out: "out", ["--format", "mp3"]))
        XCTAssertEqual(run.status, 2, "a failed job makes the exit status 2: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("bad FAILED: "), run.stderr)
        XCTAssertTrue(run.stderr.contains("8 job(s): 7 synthesised, 0 already done, 1 failed (bad)"), run.stderr)
        let r = try record(s, "out", "bad")
        XCTAssertEqual(r["status"] as? String, "failed")
        let message = try XCTUnwrap(r["error"] as? String)
        XCTAssertTrue(message.contains("broken.wav"), message)
        XCTAssertNil(r["sha256"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.out("out").appendingPathComponent("bad.mp3").path))
        let mp3 = try output(s, "out", "utt-1", "mp3")
        XCTAssertTrue(mp3.starts(with: Data("ID3".utf8)) || mp3.first == 0xff, "--format mp3 writes MPEG audio")
        XCTAssertEqual(try Data(contentsOf: s.out("out").appendingPathComponent("sub/flac.flac")).prefix(4), Data("fLaC".utf8),
                       "the output's extension wins over --format")

        let summary = try f5tts("batch", "--summary", s.out("out").path)
        XCTAssertEqual(summary.status, 2)
        XCTAssertTrue(summary.stdout.hasPrefix("8 job(s): 7 ok, 1 failed"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("failed bad (bad.mp3, shard 0/1): \(message)"), summary.stdout)

        let skip = try f5tts(arguments: arguments(s, out: "out", ["--format", "mp3"]))
        XCTAssertEqual(skip.status, 2)
        XCTAssertTrue(skip.stderr.contains("skip bad: failed before (--retry-failed runs it again)"), skip.stderr)
        XCTAssertEqual(try record(s, "out", "bad")["attempt"] as? Int, 1)
        let retry = try f5tts(arguments: arguments(s, out: "out", ["--format", "mp3", "--retry-failed"]))
        XCTAssertEqual(retry.status, 2)
        XCTAssertTrue(retry.stderr.contains("8 job(s): 0 synthesised, 7 already done, 1 failed"), retry.stderr)
        XCTAssertEqual(try record(s, "out", "bad")["attempt"] as? Int, 2)
    }

    func testBadLinesAreAllReportedBeforeAnySynthesis() throws {
        let s = try setup(lines: [
            #"{"id": "a", "text": "Fine.", "voice": "alice"}"#,
            #"{"id": "a", "text": "Duplicate.", "voice": "alice"}"#,
            #"{"id": "b", "text": "Escapes.", "voice": "alice", "output": "../../b.wav"}"#,
            #"{"id": "c", "text": "Unknown voice.", "voice": "zed"}"#,
            #"{"id": "d", "text": "Missing clip.", "ref_audio": "nope.wav", "ref_text": "x"}"#,
            #"{"id": "e" "text": "Bad JSON."}"#,
        ])
        let run = try f5tts(arguments: arguments(s, out: "out"))
        XCTAssertEqual(run.status, 65, "bad input: do not retry")
        for expected in ["jobs.jsonl: 5 bad job line(s), nothing was synthesised", "jobs.jsonl:2: \"id\": 'a' was already used on line 1",
                         "jobs.jsonl:3: \"output\": '../../b.wav' leaves the output folder", "jobs.jsonl:4: \"voice\": no voice 'zed'",
                         "jobs.jsonl:5: \"ref_audio\": no readable file", "jobs.jsonl:6: not valid JSON"] {
            XCTAssertTrue(run.stderr.contains(expected), "\(expected)\n\(run.stderr)")
        }
        XCTAssertFalse(run.stderr.contains("Fatal error"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.out("out").path), "nothing written")
        let usage = try f5tts("batch", s.jobs.path)
        XCTAssertNotEqual(usage.status, 0)
        XCTAssertTrue(usage.stderr.contains("--out DIR"), usage.stderr)
        let noRecords = try f5tts("batch", "--summary", s.root.path)
        XCTAssertEqual(noRecords.status, 1)
        XCTAssertTrue(noRecords.stderr.contains("no batch records"), noRecords.stderr)
    }

    // MARK: - Crashes and concurrent processes

    /// A running `f5tts batch`, its stderr in a file (so no pipe can fill).
    final class Worker {
        let process = Process()
        let log: URL
        init(_ arguments: [String], environment: [String: String], log: URL) throws {
            self.log = log
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts")
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
        }
        func kill() { Foundation.kill(process.processIdentifier, SIGKILL) }
        func wait() -> Int32 { process.waitUntilExit(); return process.terminationStatus }
        var stderr: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    /// Waits (at most 60 s) until `condition` holds.
    func waitFor(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(60)
        while !condition() {
            if Date() > deadline { return XCTFail("timed out waiting for \(what)") }
            usleep(5000)
        }
    }

    func testKubernetesPodsKilledAndRunTwiceStillDoEveryJobOnce() throws {
        let s = try setup(), reference = try reference()
        let args = arguments(s, out: "k8s")
        func pod(_ index: Int, _ name: String) throws -> Worker {
            try Worker(args, environment: ["JOB_COMPLETION_INDEX": "\(index)", "F5TTS_SHARDS": "2"], log: s.root.appendingPathComponent("\(name).log"))
        }
        let records = s.out("k8s").appendingPathComponent(".f5tts-batch/records")
        let shard0 = s.ids.filter { shard(of: $0, count: 2) == 0 }, shard1 = s.ids.filter { shard(of: $0, count: 2) == 1 }
        XCTAssertGreaterThan(shard0.count, 1, "the test needs shard 0 to have a job to kill mid-way")
        // Index 1 runs twice at once (Kubernetes may start two pods for an index); index 0 is killed after its first job.
        let first = try pod(0, "pod0"), twinA = try pod(1, "pod1a"), twinB = try pod(1, "pod1b")
        waitFor("the first record of shard 0") {
            shard0.contains { FileManager.default.fileExists(atPath: records.appendingPathComponent("\($0).json").path) }
        }
        first.kill()
        XCTAssertEqual(first.wait(), SIGKILL)
        let killedDone = shard0.filter { FileManager.default.fileExists(atPath: records.appendingPathComponent("\($0).json").path) }
        XCTAssertLessThan(killedDone.count, shard0.count, "killed before the end of its shard: \(first.stderr)")
        let restarted = try pod(0, "pod0-restart")
        XCTAssertEqual(restarted.wait(), 0, restarted.stderr)
        XCTAssertEqual(twinA.wait(), 0, twinA.stderr)
        XCTAssertEqual(twinB.wait(), 0, twinB.stderr)
        XCTAssertTrue(restarted.stderr.contains("\(shard0.count - killedDone.count) synthesised, \(killedDone.count) already done"),
                      restarted.stderr)

        for id in s.ids {
            XCTAssertEqual(try output(s, "k8s", id), try output(reference, "reference", id), "\(id): same bytes as one clean process")
            XCTAssertEqual(try record(s, "k8s", id)["status"] as? String, "ok")
            XCTAssertEqual(try record(s, "k8s", id)["attempt"] as? Int, 1, "\(id) finished once")
        }
        // The twins split shard 1 between them: each job synthesised by exactly one of them.
        for id in shard1 {
            let made = [twinA.stderr, twinB.stderr].map { $0.components(separatedBy: "] \(id) ok").count - 1 }
            XCTAssertEqual(made.reduce(0, +), 1, "\(id) synthesised once by the two pods of index 1:\n\(twinA.stderr)\n\(twinB.stderr)")
        }
        XCTAssertEqual(strayFiles(s.out("k8s")), [], "no partial file")
    }

    func testSigkillAtAnyMomentThenRerunLeavesEveryJobOnceAndBitIdentical() throws {
        let s = try setup(), reference = try reference()
        let args = arguments(s, out: "out")
        // Kill after growing delays: during start-up, model load, synthesis and the writes.
        for (n, delay) in [0.0, 0.02, 0.1, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8].enumerated() {
            let worker = try Worker(args, environment: [:], log: s.root.appendingPathComponent("kill\(n).log"))
            usleep(useconds_t(delay * 1e6))
            worker.kill()
            _ = worker.wait()
            // Whole files or none: every output there is the reference's, every record there reads.
            for id in s.ids {
                let url = s.out("out").appendingPathComponent("\(id).wav")
                if FileManager.default.fileExists(atPath: url.path) {
                    XCTAssertEqual(try Data(contentsOf: url), try output(reference, "reference", id), "\(id) after a kill at \(delay) s")
                }
                let recordURL = s.out("out").appendingPathComponent(".f5tts-batch/records/\(id).json")
                if FileManager.default.fileExists(atPath: recordURL.path) { XCTAssertNoThrow(try record(s, "out", id), "\(id) at \(delay) s") }
            }
        }
        let final = try f5tts(arguments: args)
        XCTAssertEqual(final.status, 0, final.stderr)
        for id in s.ids {
            XCTAssertEqual(try output(s, "out", id), try output(reference, "reference", id), "\(id): same bytes as an uninterrupted run")
            let r = try record(s, "out", id)
            XCTAssertEqual(r["status"] as? String, "ok")
            XCTAssertEqual(r["sha256"] as? String, try sha256(s.out("out").appendingPathComponent("\(id).wav")))
        }
        XCTAssertEqual(strayFiles(s.out("out")), [], "no partial or temporary file is left")
        let again = try f5tts(arguments: args)
        XCTAssertTrue(again.stderr.contains("0 synthesised, 6 already done"), again.stderr)
    }
}
