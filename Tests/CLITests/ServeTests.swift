import F5TestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `f5tts serve` as clients use it: the real binary on a free loopback port, ordinary HTTP requests.
final class ServeTests: XCTestCase {
    func testSpeechInEveryFormatAndTheInfoRoutes() throws {
        let server = try serve()
        let wav = try server.request("POST", "/v1/audio/speech",
                              json: ["model": "tts-1", "input": "Hello from the server.", "voice": "alloy", "response_format": "wav", "nfe_step": 2, "seed": 3])
        XCTAssertEqual(wav.status, 200, String(decoding: wav.body, as: UTF8.self))
        XCTAssertEqual(wav.headers["content-type"], "audio/wav")
        let wave = try WAVFile(data: wav.body)
        XCTAssertEqual(wave.sampleRate, 24000)
        XCTAssertEqual(wave.riffSize, 0xFFFF_FFFF, "streamed WAV")
        XCTAssertGreaterThan(wave.samples.count, 24000 / 2)
        let pcm = try server.request("POST", "/v1/audio/speech",
                              json: ["input": "Hello from the server.", "voice": ["id": "alloy"], "response_format": "pcm", "nfe_step": 2, "seed": 3])
        XCTAssertEqual(pcm.body, wav.body.dropFirst(44), "pcm is the same samples, headerless")
        let mp3 = try server.request("POST", "/v1/audio/speech", json: ["input": "Hello.", "voice": "builtin", "nfe_step": 2])
        XCTAssertEqual(mp3.status, 200)
        XCTAssertEqual(mp3.headers["content-type"], "audio/mpeg", "mp3 is OpenAI's default")
        XCTAssertTrue(mp3.body.starts(with: [0xFF]) || mp3.body.starts(with: Array("ID3".utf8)))
        let sse = try server.request("POST", "/v1/audio/speech",
                              json: ["input": "Hello.", "voice": "alloy", "response_format": "pcm", "stream_format": "sse", "nfe_step": 2])
        let events = String(decoding: sse.body, as: UTF8.self)
        XCTAssertTrue(events.contains("\"type\":\"speech.audio.delta\"") && events.hasSuffix("data: {\"type\":\"speech.audio.done\"}\n\n"), events)

        let health = try XCTUnwrap(try server.request("GET", "/health").json)
        XCTAssertEqual(health["status"] as? String, "ok")
        XCTAssertEqual(health["queue_depth"] as? Int, 0)
        let models = try XCTUnwrap(try server.request("GET", "/v1/models").json?["data"] as? [[String: Any]])
        XCTAssertTrue(models.contains { $0["id"] as? String == "tts-1" })
        let voices = try XCTUnwrap(try server.request("GET", "/v1/audio/voices").json?["voices"] as? [[String: Any]])
        XCTAssertEqual(voices.first?["id"] as? String, "builtin")
    }

    func testErrorsHaveOpenAIsShapeAndStatus() throws {
        let server = try serve()
        func expect(_ json: Any?, body: Data? = nil, status: Int, param: String?, file: StaticString = #filePath, line: UInt = #line) throws {
            let reply = try server.request("POST", "/v1/audio/speech", json: json, body: body, headers: ["Content-Type": "application/json"])
            XCTAssertEqual(reply.status, status, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
            let error = try XCTUnwrap(reply.error, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
            XCTAssertNotNil(error["message"] as? String, file: file, line: line)
            XCTAssertEqual(error["param"] as? String, param, file: file, line: line)
            XCTAssertTrue(error.keys.contains("code") && error.keys.contains("param"), "explicit nulls", file: file, line: line)
        }
        try expect(["input": "", "voice": "alloy"], status: 400, param: "input")
        try expect(["input": String(repeating: "a", count: 5000), "voice": "alloy"], status: 400, param: "input")
        try expect(["voice": "alloy"], status: 400, param: "input")
        try expect(["input": 5, "voice": "alloy"], status: 400, param: "input")
        try expect(nil, body: Data("{not json".utf8), status: 400, param: nil)
        try expect(["input": "Hi.", "voice": "alloy", "speed": 9], status: 400, param: "speed")
        try expect(["input": "Hi.", "voice": "alloy", "response_format": "aac"], status: 400, param: "response_format")
        try expect(["input": "Hi.", "voice": "alloy", "stream_format": "video"], status: 400, param: "stream_format")
        try expect(["input": "Hi.", "voice": "nobody"], status: 404, param: "voice")
        try expect(["input": "Hi.", "voice": "../x"], status: 404, param: "voice")
        try expect(nil, body: Data(repeating: 0x20, count: 2 << 20), status: 413, param: nil)
        // Still serving.
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy", "nfe_step": 1]).status, 200)
    }

    func testAPIKeyAndStoredVoices() throws {
        let server = try serve(["--api-key", "secret"])
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy"]).status, 401)
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy"],
                                   headers: ["Authorization": "Bearer wrong"]).error?["code"] as? String, "invalid_api_key")
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy", "nfe_step": 1],
                                   headers: ["Authorization": "Bearer secret"]).status, 200)
        XCTAssertEqual(try server.request("GET", "/v1/audio/voices").status, 200, "listing voices needs no key")

        // A voice stored as NAME.wav + NAME.txt in --voices-dir.
        let dir = try scratch()
        try FileManager.default.copyItem(at: fixturesFolder.appendingPathComponent("speak/ref.wav"), to: dir.appendingPathComponent("fox.wav"))
        try "The quick brown fox jumps".write(to: dir.appendingPathComponent("fox.txt"), atomically: true, encoding: .utf8)
        let open = try serve(["--voices-dir", dir.path])
        let voices = try XCTUnwrap(try open.request("GET", "/v1/audio/voices").json?["voices"] as? [[String: Any]])
        XCTAssertEqual(voices.compactMap { $0["id"] as? String }, ["builtin", "fox"])
        XCTAssertEqual(try open.request("POST", "/v1/audio/speech", json: ["input": "Hi there.", "voice": "fox", "nfe_step": 1,
                                                                            "response_format": "wav"], headers: ["Authorization": "Bearer "]).status, 200)
    }

    /// A client that goes away mid-stream stops its synthesis (the queue empties long before the text would
    /// have been spoken), and the next request is served.
    func testADisconnectedClientStopsItsSynthesis() throws {
        let server = try serve()
        let long = ["input": String(repeating: "A long sentence keeps the server busy for a while. ", count: 8), "voice": "alloy",
                    "nfe_step": 32, "response_format": "wav"] as JSONObject
        var speech = URLRequest(url: URL(string: server.base + "/v1/audio/speech")!)
        speech.httpMethod = "POST"
        speech.setValue("application/json", forHTTPHeaderField: "Content-Type")
        speech.httpBody = try JSONSerialization.data(withJSONObject: long)
        let task = Self.session.dataTask(with: speech) { _, _, _ in }
        task.resume()
        var sawBusy = false
        for _ in 0..<100 where !sawBusy {
            usleep(100_000)
            sawBusy = (try server.request("GET", "/health").json?["busy"] as? Bool) == true
        }
        XCTAssertTrue(sawBusy, "the long request never started")
        task.cancel()
        let cancelled = Date()
        var idle = false
        while !idle && Date().timeIntervalSince(cancelled) < 60 {
            usleep(200_000)
            idle = (try server.request("GET", "/health").json?["queue_depth"] as? Int) == 0
        }
        XCTAssertTrue(idle, "the synthesis went on after its client left")
        XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy", "nfe_step": 1]).status, 200)
    }

    /// One synthesis at a time and nobody waiting (--max-queue 0): a second request meanwhile gets 429.
    func testAFullQueueAnswers429() throws {
        let server = try serve(["--max-queue", "0"])
        let long = ["input": String(repeating: "A long sentence keeps the server busy for a while. ", count: 2), "voice": "alloy",
                    "nfe_step": 8, "response_format": "wav"] as JSONObject
        let first = DispatchSemaphore(value: 0)
        let status = Shared(0)
        DispatchQueue.global().async { status.value = (try? server.request("POST", "/v1/audio/speech", json: long).status) ?? -1; first.signal() }
        var busy: Reply?
        for _ in 0..<100 {
            usleep(100_000)
            if (try server.request("GET", "/health").json?["busy"] as? Bool) == true {
                busy = try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy"]); break
            }
        }
        XCTAssertEqual(busy?.status, 429)
        XCTAssertEqual(busy?.error?["code"] as? String, "queue_full")
        XCTAssertNotNil(busy?.headers["retry-after"])
        XCTAssertEqual(first.wait(timeout: .now() + 300), .success)
        XCTAssertEqual(status.value, 200)
    }

    /// Two workers and nobody waiting (`--workers 2 --max-queue 0`): two requests synthesize at once (/health
    /// counts two running), a third meanwhile gets 429, and each answer is the bytes the same request gets
    /// alone afterwards: side by side changes nothing in the audio.
    func testTwoWorkersSynthesizeTwoRequestsAtOnce() throws {
        let server = try serve(["--workers", "2", "--max-queue", "0", "--max-per-client", "8"])
        XCTAssertEqual(try server.request("GET", "/health").json?["workers"] as? Int, 2)
        @Sendable func speech(_ seed: Int) -> JSONObject {
            ["input": String(repeating: "A long sentence keeps the server busy for a while. ", count: 2), "voice": "alloy",
             "nfe_step": 8, "response_format": "pcm", "seed": seed]
        }
        let bodies = Shared([Int: Data]()), done = DispatchGroup()
        for seed in [1, 2] {
            done.enter()
            DispatchQueue.global().async {
                let reply = try? server.request("POST", "/v1/audio/speech", json: speech(seed))
                if reply?.status == 200, let body = reply?.body { bodies.update { $0[seed] = body } }
                done.leave()
            }
        }
        var third: Reply?
        for _ in 0..<300 where third == nil {
            usleep(50_000)
            if (try server.request("GET", "/health").json?["running"] as? Int) == 2 {
                third = try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy"])
            }
        }
        XCTAssertEqual(third?.status, 429, "two requests never ran at once")
        XCTAssertEqual(third?.error?["code"] as? String, "queue_full")
        XCTAssertEqual(done.wait(timeout: .now() + 300), .success)
        let together = bodies.value
        for seed in [1, 2] {
            let body = try XCTUnwrap(together[seed], "request \(seed) failed")
            XCTAssertGreaterThan(body.count, 24000, "request \(seed)")
            XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: speech(seed)).body, body, "seed \(seed)")
        }
        XCTAssertNotEqual(together[1], together[2])
    }
}
