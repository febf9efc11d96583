import F5Audio
import F5TestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// What a streamed response carries, how voices combine, what /metrics counts, and how the server behaves
/// under load and when told to stop.
final class ServeStreamingTests: XCTestCase {
    let paragraph = "The first sentence is short. The second one takes a little longer to say. "
        + "A third sentence follows it, and a fourth closes the paragraph with a few more words."

    func speech(_ fields: JSONObject) -> JSONObject {
        ["input": paragraph, "voice": "alloy", "nfe_step": 1, "seed": 11].merging(fields) { _, new in new }
    }

    /// Every format streams; FLAC decodes to exactly the samples of the WAV response, mp3 and Opus to its length.
    func testEncodedFormatsStreamTheSameAudio() throws {
        let server = try serve()
        let wav = try server.request("POST", "/v1/audio/speech", json: speech(["response_format": "wav"]))
        XCTAssertEqual(wav.status, 200)
        XCTAssertEqual(wav.headers["x-f5-seed"], "11")
        let reference = try WAVFile(data: wav.body).samples
        let planned = try XCTUnwrap(Double(wav.headers["x-f5-planned-seconds"] ?? ""))
        XCTAssertEqual(Double(reference.count) / 24000, planned, accuracy: 0.05, "planned seconds")
        let dir = try scratch()
        for format in ["flac", "mp3", "opus"] {
            let reply = try server.request("POST", "/v1/audio/speech", json: speech(["response_format": format]))
            XCTAssertEqual(reply.status, 200, format)
            XCTAssertEqual(reply.headers["transfer-encoding"], "chunked", "\(format) is streamed")
            let path = dir.appendingPathComponent("speech.\(format)").path
            try reply.body.write(to: URL(fileURLWithPath: path))
            let decoded = try AudioFile.read(path: path)
            if format == "flac" {
                // Lossless up to libsndfile's float-to-16-bit step, which rounds for FLAC where the WAV
                // stream floors (as soundfile writes WAV): at most one step apart, never more.
                XCTAssertEqual(decoded.frames, reference.count, "FLAC has every sample")
                let worst = zip(decoded.floatSamples, reference).map { abs($0 - $1) }.max() ?? 1
                XCTAssertLessThanOrEqual(worst, 1.0 / 32768, "FLAC is the WAV samples")
            } else {
                XCTAssertEqual(Double(decoded.frames), Double(reference.count), accuracy: 2400, format)
            }
        }
    }

    /// `short_first_chunk` (on by default here) splits the first chunk; off, the plan is the reference's.
    func testAShortFirstChunkIsSplitOffByDefault() throws {
        let server = try serve()
        let long = String(repeating: paragraph + " ", count: 3)
        let short = try server.request("POST", "/v1/audio/speech", json: speech(["input": long, "response_format": "pcm"]))
        let plain = try server.request("POST", "/v1/audio/speech", json: speech(["input": long, "response_format": "pcm", "short_first_chunk": false]))
        let (shortChunks, plainChunks) = (Int(short.headers["x-f5-chunks"] ?? "") ?? 0, Int(plain.headers["x-f5-chunks"] ?? "") ?? 0)
        XCTAssertGreaterThan(shortChunks, plainChunks)
        XCTAssertGreaterThan(plainChunks, 0)
    }

    /// `multi_voice` speaks each `[name]` piece in its voice: the same samples as asking for each piece alone.
    func testMultiVoiceInputIsEachPieceInItsVoice() throws {
        let dir = try scratch()
        try FileManager.default.copyItem(at: fixturesFolder.appendingPathComponent("speak/ref.wav"), to: dir.appendingPathComponent("fox.wav"))
        try "The quick brown fox jumps".write(to: dir.appendingPathComponent("fox.txt"), atomically: true, encoding: .utf8)
        let server = try serve(["--voices-dir", dir.path])
        let base = ["response_format": "pcm", "short_first_chunk": false] as JSONObject
        let both = try server.request("POST", "/v1/audio/speech",
                               json: speech(base.merging(["input": "Hello there. [fox] I am the fox.", "multi_voice": true]) { $1 }))
        XCTAssertEqual(both.status, 200, String(decoding: both.body, as: UTF8.self))
        let first = try server.request("POST", "/v1/audio/speech", json: speech(base.merging(["input": "Hello there."]) { $1 }))
        let second = try server.request("POST", "/v1/audio/speech", json: speech(base.merging(["input": "I am the fox.", "voice": "fox"]) { $1 }))
        XCTAssertEqual(both.body, first.body + second.body)
        // A bracketed word that names no voice is text, read as it would be without multi_voice.
        let unknown = try server.request("POST", "/v1/audio/speech",
                                  json: speech(base.merging(["input": "Hi. [nobody] Hello.", "multi_voice": true]) { $1 }))
        XCTAssertEqual(unknown.status, 200, String(decoding: unknown.body, as: UTF8.self))
        let plain = try server.request("POST", "/v1/audio/speech", json: speech(base.merging(["input": "Hi. [nobody] Hello."]) { $1 }))
        XCTAssertEqual(unknown.body, plain.body)
    }

    func testMetricsCountRequestsAndSyntheses() throws {
        let server = try serve()
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: speech(["response_format": "pcm"])).status, 200)
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: speech(["voice": "nobody"])).status, 404)
        let reply = try server.request("GET", "/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertTrue(reply.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = String(decoding: reply.body, as: UTF8.self)
        func value(_ line: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        XCTAssertEqual(value(#"f5tts_requests_total{route="/v1/audio/speech",status="200"}"#), 1, text)
        XCTAssertEqual(value(#"f5tts_requests_total{route="/v1/audio/speech",status="404"}"#), 1, text)
        XCTAssertEqual(value("f5tts_synthesis_seconds_count"), 1, text)
        XCTAssertEqual(value("f5tts_time_to_first_audio_seconds_count"), 1, text)
        XCTAssertGreaterThan(value("f5tts_audio_seconds_total") ?? 0, 1, text)
        XCTAssertEqual(value("f5tts_real_time_factor_count"), 1, text)
        XCTAssertEqual(value("f5tts_queue_depth"), 0, text)
    }

    /// SIGTERM while a synthesis runs: new requests get 503, the running one completes, the process exits 0.
    func testSIGTERMFinishesWhatRunsAndRefusesNewWork() throws {
        let server = try serve()
        let reply = Shared<Reply?>(nil), done = DispatchSemaphore(value: 0)
        let long = speech(["nfe_step": 8, "response_format": "wav"])
        DispatchQueue.global().async { reply.value = try? server.request("POST", "/v1/audio/speech", json: long, timeout: 300); done.signal() }
        var busy = false
        for _ in 0..<100 where !busy {
            usleep(100_000)
            busy = (try server.request("GET", "/health").json?["busy"] as? Bool) == true
        }
        XCTAssertTrue(busy)
        kill(server.process.processIdentifier, SIGTERM)
        usleep(300_000)
        let refused = try server.request("POST", "/v1/audio/speech", json: speech(["response_format": "pcm"]))
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.error?["code"] as? String, "shutting_down")
        XCTAssertEqual(try server.request("GET", "/health").status, 503)
        XCTAssertEqual(try server.request("DELETE", "/v1/audio/voices/fox").error?["code"] as? String, "shutting_down", "no voice changes either")
        XCTAssertEqual(done.wait(timeout: .now() + 300), .success)
        let finished = try XCTUnwrap(reply.value)
        XCTAssertEqual(finished.status, 200)
        let planned = try XCTUnwrap(Double(finished.headers["x-f5-planned-seconds"] ?? ""))
        XCTAssertEqual(Double(try WAVFile(data: finished.body).samples.count) / 24000, planned, accuracy: 0.05, "the whole clip")
        let deadline = Date().addingTimeInterval(30)
        while server.process.isRunning && Date() < deadline { usleep(100_000) }
        XCTAssertFalse(server.process.isRunning)
        XCTAssertEqual(server.process.terminationStatus, 0)
    }

    /// 32 clients at once against --max-queue 8 (curl, each in its own process, so that all 32 really are
    /// at the server together): each gets audio or a 429, /health answers throughout, memory stays
    /// bounded and the server serves normally afterwards.
    func testThirtyTwoClientsAgainstAQueueOfEight() throws {
        let server = try serve(["--max-queue", "8", "--max-per-client", "32"])
        let body = String(decoding: try JSONSerialization.data(withJSONObject: speech(["input": "A short sentence for each client.", "response_format": "pcm"])), as: UTF8.self)
        func curl(_ arguments: [String]) throws -> (Process, Pipe) {
            let process = Process(), out = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + arguments
            process.standardOutput = out
            try process.run()
            return (process, out)
        }
        func status(_ client: (Process, Pipe)) -> Int {
            let text = String(decoding: client.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            client.0.waitUntilExit()
            return Int(text) ?? -1
        }
        let clients = try (0..<32).map { _ in
            try curl(["-m", "240", "-H", "Content-Type: application/json", "-d", body, server.base + "/v1/audio/speech"])
        }
        var healthFailures = 0, peakResident = 0
        while clients.contains(where: { $0.0.isRunning }) {
            if status(try curl(["-m", "5", server.base + "/health"])) != 200 { healthFailures += 1 }
            peakResident = max(peakResident, residentKiB(server.process.processIdentifier))
            usleep(300_000)
        }
        let statuses = clients.map(status)
        XCTAssertEqual(Set(statuses).subtracting([200, 429]), [], "\(statuses)")
        XCTAssertGreaterThanOrEqual(statuses.filter { $0 == 200 }.count, 9, "the running request and 8 waiting ones")
        XCTAssertGreaterThan(statuses.filter { $0 == 429 }.count, 0)
        XCTAssertEqual(healthFailures, 0)
        XCTAssertLessThan(peakResident, 2 << 20, "resident memory (KiB) stays bounded")
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: speech(["response_format": "pcm"])).status, 200)
    }
}
