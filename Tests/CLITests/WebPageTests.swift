import F5TestSupport
import Foundation
import XCTest

/// The page at `/` in a real browser: Debian's chromium and chromium-driver, driven by python3-selenium
/// (`Tests/Browser/page_test.py`), against the real `f5tts serve` on the tiny model. Every clip the page
/// ends up with is checked against a direct request with the seed the page shows: same bytes, so the
/// same duration, the same seed, and nothing lost between the stream and the <audio> element.
final class WebPageTests: XCTestCase {
    static let script = fixturesFolder.deletingLastPathComponent().appendingPathComponent("Browser/page_test.py")
    static let python = "/usr/bin/python3"  // Debian's, which sees python3-selenium (the pyenv one on PATH does not)

    func testThePageSynthesizesUploadsAndShowsErrorsInChromium() throws {
        try requireBrowser()
        let started = Date()
        let server = try serve()
        let out = try scratch()
        let run = try runScript([Self.script.path, server.base, "--ref", fixturesFolder.appendingPathComponent("speak/ref.wav").path,
                                 "--out", out.path], timeout: 400)
        XCTAssertEqual(run.status, 0, "page_test.py failed:\n\(run.stderr)")
        let line = try XCTUnwrap(run.stdout.split(separator: "\n").last, "no report from page_test.py:\n\(run.stderr)")
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))

        XCTAssertEqual((report["voices"] as? [String])?.first, "builtin", "the built-in voice comes first")
        // The controls start where the CLI and the API would: the settings table's ranges and the values in force.
        let controls = try XCTUnwrap(report["controls"] as? [String: [String: Double]])
        let settings = try server.request("GET", "/v1/audio/settings").json?["settings"] as? [[String: Any]] ?? []
        for name in ["nfe_step", "speed", "cross_fade_duration"] {
            let setting = try XCTUnwrap(settings.first { $0["name"] as? String == name }, name)
            XCTAssertEqual(controls[name]?["value"], setting["default"] as? Double, "\(name) starts at the value in force")
            XCTAssertEqual(controls[name]?["min"], setting["minimum"] as? Double, name)
            XCTAssertEqual(controls[name]?["max"], setting["maximum"] as? Double, name)
        }
        XCTAssertEqual(report["labels_missing"] as? [String], [], "every control has a label")
        XCTAssertEqual(report["text_from_file"] as? String, "Hello from the browser test.")
        let resources = report["resources"] as? [String] ?? []
        XCTAssertFalse(resources.isEmpty)
        XCTAssertTrue(resources.allSatisfy { $0.hasPrefix(server.base + "/") }, "the page loads nothing from elsewhere: \(resources)")
        XCTAssertEqual(report["console"] as? [String], [], "no script errors")

        // The built-in voice, a random seed: the page shows the seed, writes it back, and its <audio> plays.
        let builtin = try XCTUnwrap(report["builtin"] as? [String: Any])
        let seed = try checkClip(builtin, server, ["input": "Hello from the browser test.", "voice": "builtin"])
        XCTAssertEqual(builtin["seed_field"] as? String, seed, "the used seed is written back into the seed field")
        XCTAssertGreaterThan(builtin["player_time_after_play"] as? Double ?? 0, 0, "the <audio> element plays: \(builtin["player_time_after_play"] ?? "nil")")

        // An empty text: the server's 400, shown readably with the field it names.
        let empty = try XCTUnwrap(report["empty"] as? [String: Any])
        XCTAssertEqual(empty["state"] as? String, "error")
        let message = empty["error"] as? String ?? ""
        XCTAssertTrue(message.contains("400") && message.contains("empty") && message.contains("input"), message)

        // The uploaded clip is listed (by the page and by the server), selected, and speaks.
        let upload = try XCTUnwrap(report["upload"] as? [String: Any])
        XCTAssertTrue((upload["status"] as? String ?? "").contains("added"), "\(upload["status"] ?? "nil")")
        XCTAssertTrue((upload["voices"] as? [String] ?? []).contains("fox"), "\(upload)")
        XCTAssertEqual(upload["selected"] as? String, "fox")
        let listed = try server.request("GET", "/v1/audio/voices").json?["voices"] as? [[String: Any]] ?? []
        XCTAssertTrue(listed.contains { $0["id"] as? String == "fox" }, "\(listed)")
        let uploaded = try XCTUnwrap(report["uploaded"] as? [String: Any])
        XCTAssertEqual(uploaded["voice"] as? String, "fox")
        try checkClip(uploaded, server, ["input": "A fox speaks now.", "voice": "fox"])

        // Multi-speaker mode: the tags offered name the voices, and the request says multi_voice.
        let tags = report["tags"] as? [String] ?? []
        XCTAssertTrue(tags.contains("[main]") && tags.contains("[fox]"), "\(tags)")
        let multi = try XCTUnwrap(report["multi"] as? [String: Any])
        try checkClip(multi, server, ["input": "[main] Hello there. [fox] The quick brown fox.", "voice": "builtin", "multi_voice": true])

        print("WebPageTests: page run and direct checks \(String(format: "%.1f", Date().timeIntervalSince(started))) s; screenshot \(report["screenshot"] ?? "none")")
    }

    /// Checks one synthesis the page ran against a direct request with the same fields and the seed the
    /// page showed; returns that seed.
    @discardableResult
    func checkClip(_ step: [String: Any], _ server: Server, _ fields: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        XCTAssertEqual(step["state"] as? String, "done", "the page did not finish: \(step["error"] ?? "")", file: file, line: line)
        let last = step["last"] as? [String: Any] ?? [:]
        let seed = try XCTUnwrap(step["seed_shown"] as? String, file: file, line: line)
        XCTAssertNotNil(UInt64(seed), "the page shows the seed used: '\(seed)'", file: file, line: line)
        XCTAssertEqual(last["seed"] as? String, seed, "the seed shown is X-F5-Seed", file: file, line: line)

        var json: [String: Any] = ["model": "f5tts", "response_format": "pcm", "speed": 1, "nfe_step": 4, "cross_fade_duration": 0.15,
                                   "remove_silence": false, "seed": UInt64(seed) ?? 0]
        json.merge(fields) { $1 }
        let direct = try server.request("POST", "/v1/audio/speech", json: json)
        XCTAssertEqual(direct.status, 200, String(decoding: direct.body, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(direct.headers["x-f5-seed"], seed, file: file, line: line)

        let clip = try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(step["clip"] as? String, "no clip: \(step)", file: file, line: line)))
        let wave = try WAVFile(data: clip)
        XCTAssertEqual(wave.sampleRate, 24000, file: file, line: line)
        XCTAssertEqual(wave.dataSize, direct.body.count, "the <audio> clip has every sample", file: file, line: line)
        XCTAssertTrue(clip.dropFirst(44) == direct.body, "the <audio> clip is the audio the server sends for that seed", file: file, line: line)
        let seconds = Double(direct.body.count) / 2 / 24000
        XCTAssertEqual(step["duration"] as? Double ?? 0, seconds, accuracy: 0.005, "<audio> duration", file: file, line: line)
        let stats = last["stats"] as? [String: Any] ?? [:]
        XCTAssertEqual(stats["scheduledSamples"] as? Int, direct.body.count / 2, "every sample went through Web Audio as it came", file: file, line: line)
        XCTAssertLessThanOrEqual(stats["firstAudioMs"] as? Double ?? .infinity, stats["totalMs"] as? Double ?? 0, file: file, line: line)
        let planned = Double(direct.headers["x-f5-planned-seconds"] ?? "")
        XCTAssertNotNil(planned, "X-F5-Planned-Seconds", file: file, line: line)
        XCTAssertEqual(last["plannedSeconds"] as? Double, planned, "the progress bar's length is the planned duration", file: file, line: line)
        XCTAssertEqual((step["download"] as? [String: Any])?["href_is_clip"] as? Bool, true, "the download link is the clip", file: file, line: line)
        return seed
    }

    /// Chromium, chromedriver and selenium under Debian's python: missing, the test fails under CI and skips elsewhere.
    func requireBrowser() throws {
        var missing = ["/usr/bin/chromium", "/usr/bin/chromedriver", Self.python].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        if missing.isEmpty, try runScript(["-c", "import selenium"], timeout: 60).status != 0 { missing.append("selenium for \(Self.python)") }
        guard !missing.isEmpty else { return }
        let reason = "the browser test needs \(missing.joined(separator: ", ")): apt-get install chromium chromium-driver python3-selenium (.ci/install-deps does)"
        struct MissingBrowser: Error, CustomStringConvertible { let description: String }
        if ProcessInfo.processInfo.environment["CI"] != nil { throw MissingBrowser(description: reason) }
        print("WebPageTests skipped: \(reason)")
        throw XCTSkip(reason)
    }

    /// Runs Debian's python with `arguments`; output goes to files (no pipe to fill), killed after `timeout`.
    func runScript(_ arguments: [String], timeout: TimeInterval) throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = try scratch()
        let stdout = dir.appendingPathComponent("stdout"), stderr = dir.appendingPathComponent("stderr")
        try Data().write(to: stdout)
        try Data().write(to: stderr)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(100_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit(); XCTFail("\(arguments.first ?? "") ran past \(Int(timeout)) s") }
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: stdout, encoding: .utf8), try String(contentsOf: stderr, encoding: .utf8))
    }
}
