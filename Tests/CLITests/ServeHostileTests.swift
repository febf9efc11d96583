import F5Audio
import F5TestSupport
import Foundation
import XCTest

/// `f5tts serve` against clients that mean harm or break the protocol, one test per finding of the
/// hostile-input sweep: the real binary on loopback, raw sockets where URLSession would not send the bytes,
/// every wait bounded. Resident memory stays under 1 GB throughout.
final class ServeHostileTests: XCTestCase {
    static let maxResidentKiB = 1 << 20

    func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    func assertMemoryBounded(_ server: Server, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThan(residentKiB(server.process.processIdentifier), Self.maxResidentKiB, "resident KiB", file: file, line: line)
    }

    func expectError(_ reply: Reply, _ status: Int, param: String? = nil, code: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, status, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
        XCTAssertNotNil(reply.error?["message"] as? String, "OpenAI's error shape: \(String(decoding: reply.body, as: UTF8.self))", file: file, line: line)
        XCTAssertEqual(reply.error?["param"] as? String, param, file: file, line: line)
        if let code { XCTAssertEqual(reply.error?["code"] as? String, code, file: file, line: line) }
    }

    var clip: Data { get throws { try Data(contentsOf: fixturesFolder.appendingPathComponent("speak/ref.wav")) } }

    /// The fixture clip `times` over, as one WAV (a longer voice takes longer to prepare).
    func longClip(times: Int) throws -> Data {
        let audio = try AudioFile.read(path: fixturesFolder.appendingPathComponent("speak/ref.wav").path)
        let samples = Array(repeating: audio.floatSamples, count: times).flatMap { $0 }
        return try AudioWriter.encode(samples: samples, sampleRate: audio.sampleRate, format: .wav, sampleFormat: .pcm16)
    }

    // 1. A 30-minute FLAC of a constant level is a few hundred KB: refused from its header or within the
    //    decoding budget, never decoded whole, by the server and by `speak` alike.
    func testAClipLongerThanAReferenceMayBeIsRefusedWithoutDecodingIt() throws {
        let encoder = try AudioStreamEncoder(format: .flac, sampleFormat: .pcm16, sampleRate: 48000)
        var flac = encoder.header
        let second = [Float](repeating: 0.03, count: 48000)
        for _ in 0..<1800 { flac += try encoder.encode(second) }
        flac += try encoder.finish()
        XCTAssertLessThan(flac.count, 2 << 20, "a small upload")
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path])
        let started = Date()
        let reply = try server.upload(name: "bomb", audio: flac)
        expectError(reply, 400, param: "audio_sample")
        let message = reply.error?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("at most 30 s"), message)
        XCTAssertFalse(message.contains("/tmp") || message.contains("f5tts-upload"), "no server paths: \(message)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        assertMemoryBounded(server)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "nothing stored")

        let path = dir.appendingPathComponent("long.flac")
        try flac.write(to: path)
        let speak = try f5tts("speak", "--model", Self.serverModels, "--ref-audio", path.path, "--ref-text", "Hi.", "--text", "Hello.",
                              "--output", dir.appendingPathComponent("out.wav").path, "--quiet")
        XCTAssertNotEqual(speak.status, 0)
        XCTAssertTrue(speak.stderr.contains("at most 30 s"), speak.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.wav").path))
    }

    // 2. Clients that send long requests and never read cannot hold the queue: a stalled write times
    //    out, their synthesis stops, and a well-behaved client is served.
    func testClientsThatStopReadingLoseTheirPlace() throws {
        let server = try serve(["--timeout", "1"])
        let long = try json(["input": String(repeating: "A long sentence keeps the server busy for a while. ", count: 60), "voice": "alloy",
                             "nfe_step": 1, "response_format": "wav"])
        let stalled = try (0..<5).map { _ -> RawConnection in
            let connection = try RawConnection(port: server.port, receiveBuffer: 2048)
            connection.send("POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(long.count)\r\n\r\n")
            connection.send(long)
            return connection
        }
        // The stalled requests hold every place this client may have (--max-per-client 4) before the
        // well-behaved one is sent; otherwise it could simply come first.
        let admitted = Date()
        var depth = 0
        while depth < 4, Date().timeIntervalSince(admitted) < 30 {
            depth = try server.request("GET", "/health").json?["queue_depth"] as? Int ?? 0
            if depth < 4 { usleep(20_000) }
        }
        XCTAssertEqual(depth, 4, "the stalled requests were never admitted")
        let started = Date()
        var status = 0
        while status != 200, Date().timeIntervalSince(started) < 90 {
            status = try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy", "nfe_step": 1, "response_format": "pcm"]).status
            if status != 200 { usleep(500_000) }
        }
        XCTAssertEqual(status, 200, "still refused after \(Int(Date().timeIntervalSince(started))) s")
        XCTAssertGreaterThanOrEqual(try metric(server, #"f5tts_stream_failures_total{reason="write_timeout"}"#) ?? 0, 1)
        assertMemoryBounded(server)
        withExtendedLifetime(stalled) {}
    }

    // 3. A DELETE that lands while the same voice is being prepared (here with a new `ref_text` each round)
    //    waits for the preparation and evicts it: afterwards the voice speaks no more, with or without
    //    an override.
    func testADeletedVoiceNeverSpeaksAgain() throws {
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path])
        let audio = try longClip(times: 10)
        for round in 0..<6 {
            try audio.write(to: dir.appendingPathComponent("fox.wav"))
            try "The quick brown fox jumps".write(to: dir.appendingPathComponent("fox.txt"), atomically: true, encoding: .utf8)
            let speech = ["input": "Hi.", "voice": "fox", "nfe_step": 1, "response_format": "pcm", "ref_text": "The quick brown fox \(round)."] as JSONObject
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async { _ = try? server.request("POST", "/v1/audio/speech", json: speech); done.signal() }
            usleep(UInt32(20_000 * (round % 3)))
            XCTAssertEqual(try server.request("DELETE", "/v1/audio/voices/fox").status, 200, "round \(round)")
            XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
            XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: speech).status, 404, "round \(round): the override still speaks")
            var plain = speech
            plain["ref_text"] = nil
            XCTAssertEqual(try server.request("POST", "/v1/audio/speech", json: plain).status, 404, "round \(round): the voice still speaks")
        }
        assertMemoryBounded(server)
    }

    // 4. An upload and a DELETE of one name, at once: afterwards the voice is whole (listed, both files,
    //    speaks) or gone (not listed, no file, 404), never half.
    func testAnUploadRacingADeleteLeavesAWholeVoiceOrNone() throws {
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path])
        let audio = try clip
        for round in 0..<10 {
            XCTAssertEqual(try server.upload(name: "fox", audio: audio, fields: [(name: "consent", value: "yes"), (name: "overwrite", value: "true")]).status, 200)
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                _ = try? server.upload(name: "fox", audio: audio, fields: [(name: "consent", value: "yes"), (name: "overwrite", value: "true")])
            }
            usleep(UInt32(5_000 * (round % 4)))
            DispatchQueue.global().async(group: group) { _ = try? server.request("DELETE", "/v1/audio/voices/fox") }
            XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
            let listed = (try server.request("GET", "/v1/audio/voices").json?["voices"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "fox" }
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("fox.") }.sorted()
            let spoken = try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "fox", "nfe_step": 1, "response_format": "pcm"]).status
            if listed {
                XCTAssertEqual(files, ["fox.txt", "fox.wav"], "round \(round)")
                XCTAssertEqual(spoken, 200, "round \(round)")
            } else {
                XCTAssertEqual(files, [], "round \(round): half a voice left")
                XCTAssertEqual(spoken, 404, "round \(round): a deleted voice speaks")
            }
        }
    }

    // 5. Cross-site and DNS-rebinding requests: a foreign Origin or Host, a CORS "simple" body, an
    //    upload over a stored voice without `overwrite`, voice changes beyond loopback without a key.
    func testCrossSiteRequestsAndForeignHostsAreRefused() throws {
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path])
        let audio = try clip
        XCTAssertEqual(try server.upload(name: "fox", audio: audio).status, 200)
        let stored = try Data(contentsOf: dir.appendingPathComponent("fox.wav"))
        let other = try longClip(times: 2)
        expectError(try server.upload(name: "fox", audio: other, headers: ["Origin": "http://evil.example"]), 403, code: "cross_origin")
        expectError(try server.upload(name: "fox", audio: other, headers: ["Host": "evil.example", "Origin": "http://evil.example"]), 421,
                    code: "host_not_allowed")
        expectError(try server.upload(name: "fox", audio: other, headers: ["Sec-Fetch-Site": "cross-site"]), 403, code: "cross_origin")
        expectError(try server.upload(name: "fox", audio: other), 409, param: "name", code: "voice_exists")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("fox.wav")), stored, "the stored voice is untouched")
        XCTAssertEqual(try server.upload(name: "fox", audio: other, fields: [(name: "consent", value: "yes"), (name: "overwrite", value: "true")]).status, 200)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("fox.wav")), other)

        let speech = try json(["input": "Hi.", "voice": "alloy", "nfe_step": 1, "response_format": "pcm"])
        expectError(try server.raw("POST", "/v1/audio/speech", headers: ["Content-Type": "text/plain"], body: speech), 415)
        expectError(try server.raw("POST", "/v1/audio/speech", body: speech), 415)
        expectError(try server.raw("POST", "/v1/audio/speech", headers: ["Content-Type": "application/json", "Origin": "http://evil.example"], body: speech),
                    403, code: "cross_origin")
        expectError(try server.raw("DELETE", "/v1/audio/voices/fox", headers: ["Origin": "null"]), 403, code: "cross_origin")
        expectError(try server.raw("GET", "/v1/audio/voices", headers: ["Host": "rebound.example:\(server.port)"]), 421, code: "host_not_allowed")
        // The server's own page, and the names loopback goes by.
        XCTAssertEqual(try server.raw("POST", "/v1/audio/speech", headers: ["Content-Type": "application/json", "Origin": "http://127.0.0.1:\(server.port)",
                                                                             "Sec-Fetch-Site": "same-origin"], body: speech).status, 200)
        for host in ["localhost:\(server.port)", "[::1]:\(server.port)", "127.0.0.1"] {
            XCTAssertEqual(try server.raw("GET", "/health", headers: ["Host": host]).status, 200, host)
        }

        // --allowed-hosts names more; --host 0.0.0.0 without a key refuses voice changes.
        let named = try serve(["--allowed-hosts", "tts.example", "--allowed-hosts", "other.example"])
        XCTAssertEqual(try named.raw("GET", "/health", headers: ["Host": "tts.example:8000"]).status, 200)
        XCTAssertEqual(try named.raw("GET", "/health", headers: ["Host": "other.example"]).status, 200)
        expectError(try named.raw("GET", "/health", headers: ["Host": "evil.example"]), 421)
        let open = try serve(["--host", "0.0.0.0", "--voices-dir", try scratch().path])
        expectError(try open.upload(name: "fox", audio: audio), 403, code: "api_key_required")
        expectError(try open.raw("DELETE", "/v1/audio/voices/fox"), 403, code: "api_key_required")
        XCTAssertEqual(try open.raw("POST", "/v1/audio/speech", headers: ["Content-Type": "application/json"], body: speech).status, 200)
        let keyed = try serve(["--host", "0.0.0.0", "--api-key", "k", "--voices-dir", try scratch().path])
        XCTAssertEqual(try keyed.upload(name: "fox", audio: audio, headers: ["Authorization": "bearer k"]).status, 200, "the scheme in any case")
    }

    // 6. What synthesis would fail on is refused before the headers: no 200 followed by a cut body.
    func testLimitsThatSynthesisWouldHitAre400sBeforeAnyAudio() throws {
        let server = try serve()
        let base = ["voice": "alloy", "nfe_step": 1, "response_format": "wav"] as JSONObject
        let unbroken = (0..<500).map { "word\($0 % 10)" }.joined(separator: " ")
        expectError(try server.request("POST", "/v1/audio/speech", json: base.merging(["input": unbroken]) { $1 }), 400, param: "input")
        expectError(try server.request("POST", "/v1/audio/speech", json: base.merging(["input": "Hi.", "ref_text": String(repeating: "a", count: 10_000)]) { $1 }),
                    400, param: "ref_text")
        expectError(try server.request("POST", "/v1/audio/speech", json: base.merging(["input": "Hi.", "cfg_strength": 1e308]) { $1 }), 400, param: "cfg_strength")
        expectError(try server.request("POST", "/v1/audio/speech", json: base.merging(["input": "Hi.", "sway_sampling_coef": -1e300]) { $1 }),
                    400, param: "sway_sampling_coef")
        XCTAssertEqual(try metric(server, "f5tts_synthesis_seconds_count") ?? 0, 0, "nothing was synthesized")
        // A stream that does fail after its headers (its client leaves) is logged and counted.
        let connection = try RawConnection(port: server.port)
        let long = try json(["input": String(repeating: "A long sentence keeps the server busy for a while. ", count: 20), "voice": "alloy",
                             "nfe_step": 8, "response_format": "pcm"])
        connection.send("POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(long.count)\r\n\r\n")
        connection.send(long)
        XCTAssertTrue(String(decoding: connection.read(for: 30) { $0.count > 1000 }.data.prefix(15), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        close(connection.fd)
        var counted = 0.0
        for _ in 0..<50 where counted == 0 {
            usleep(200_000)
            counted = try metric(server, #"f5tts_stream_failures_total{reason="client_gone"}"#) ?? 0
        }
        XCTAssertEqual(counted, 1)
    }

    // 7. Every `ref_text` override is a prepared voice: the cache keeps them within --voice-cache-mb.
    func testTheVoiceCacheIsBoundedByBytes() throws {
        let server = try serve(["--voice-cache-mb", "1"])
        for round in 0..<12 {
            let reply = try server.request("POST", "/v1/audio/speech", json: ["input": "Hi.", "voice": "alloy", "nfe_step": 1, "response_format": "pcm",
                                                                              "ref_text": "Some words said in round \(round)."])
            XCTAssertEqual(reply.status, 200)
        }
        let cached = try XCTUnwrap(try metric(server, "f5tts_voice_cache_bytes"))
        XCTAssertGreaterThan(cached, 0)
        XCTAssertLessThanOrEqual(cached, Double(1 << 20))
        assertMemoryBounded(server)
    }

    // 8. The input limit counts Unicode scalars (combining marks too), and the planned audio is bounded.
    func testTheInputLimitCountsScalarsAndPlannedSeconds() throws {
        let server = try serve()
        let marks = "a" + String(repeating: "\u{0301}", count: 5000)
        XCTAssertEqual(marks.count, 1, "one grapheme cluster")
        expectError(try server.request("POST", "/v1/audio/speech", json: ["input": marks, "voice": "alloy"]), 400, param: "input")
        let letters = String(repeating: "Some plain words. ", count: 220)
        let slow = try server.request("POST", "/v1/audio/speech", json: ["input": letters, "voice": "alloy", "speed": 0.25])
        expectError(slow, 400, param: "input")
        XCTAssertTrue((slow.error?["message"] as? String ?? "").contains("at most 600 s"), "\(slow.error ?? [:])")
        assertMemoryBounded(server)
    }

    // 9. Connections that say nothing, stop half-way through a request line, or idle between requests close.
    func testSilentHalfSentAndIdleConnectionsTimeOut() throws {
        let server = try serve(["--timeout", "1"])
        let silent = try RawConnection(port: server.port)
        XCTAssertTrue(silent.read(for: 10).closed, "a silent connection")
        let half = try RawConnection(port: server.port)
        half.send("GET /hea")
        XCTAssertTrue(half.read(for: 10).closed, "a half-sent request line")
        let idle = try RawConnection(port: server.port)
        idle.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let (answer, closed) = idle.read(for: 10)
        XCTAssertTrue(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        XCTAssertTrue(closed, "an idle keep-alive connection")
        // A body that trickles in, a byte at a time, never idle for the whole timeout: 408 once it has taken that long.
        let slow = try RawConnection(port: server.port)
        slow.send("POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
        let started = Date()
        var answer408 = Data()
        while answer408.isEmpty, Date().timeIntervalSince(started) < 10 {
            slow.send("{")
            answer408 = slow.read(for: 0.3).data
        }
        expectError(try Reply(http: answer408 + slow.read(for: 5) { $0.range(of: Data("}}".utf8)) != nil }.data), 408, code: "timeout")
    }

    // 10. HTTP itself: pipelining, HTTP/1.0, malformed framing, 405 with Allow, HEAD, a missing Host, and
    //     OpenAI's error shape on every error the router and the parser produce.
    func testHTTPIsSpokenCorrectly() throws {
        let server = try serve()
        let speech = try json(["input": "Hi there.", "voice": "alloy", "nfe_step": 1, "response_format": "pcm", "seed": 7])
        let reference = try server.request("POST", "/v1/audio/speech", json: try JSONSerialization.jsonObject(with: speech))
        XCTAssertEqual(reference.status, 200)

        let pipelined = try RawConnection(port: server.port)
        pipelined.send("POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(speech.count)\r\n\r\n")
        pipelined.send(speech + Data("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let both = String(decoding: pipelined.read(for: 30) { $0.range(of: Data("\"status\":\"ok\"".utf8)) != nil }.data, as: UTF8.self)
        XCTAssertTrue(both.hasPrefix("HTTP/1.1 200") && both.contains("\"status\":\"ok\""), "the pipelined request is answered")

        let old = try RawConnection(port: server.port)
        old.send("POST /v1/audio/speech HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(speech.count)\r\n\r\n")
        old.send(speech)
        let (oldData, oldClosed) = old.read(for: 30)
        XCTAssertTrue(oldClosed, "HTTP/1.0: the body ends where the connection does")
        let oldReply = try Reply(http: oldData)
        XCTAssertTrue(String(decoding: oldData.prefix(12), as: UTF8.self).hasPrefix("HTTP/1.0 200"))
        XCTAssertNil(oldReply.headers["transfer-encoding"])
        XCTAssertEqual(oldReply.body, reference.body, "no chunk lines in the audio")

        let chunked = try RawConnection(port: server.port)
        chunked.send("POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        expectError(try Reply(http: chunked.read(for: 30) { $0.range(of: Data("}}".utf8)) != nil }.data), 400, code: "malformed_body")
        let garbage = try RawConnection(port: server.port)
        garbage.send("NOT\u{1} HTTP\r\n\r\n")
        expectError(try Reply(http: garbage.read(for: 30).data), 400, code: "malformed_request")

        let wrong = try server.raw("PUT", "/v1/audio/speech")
        expectError(wrong, 405, code: "method_not_allowed")
        XCTAssertEqual(wrong.headers["allow"], "POST")
        XCTAssertEqual(try server.raw("DELETE", "/health").headers["allow"], "GET, HEAD")
        let head = try server.raw("HEAD", "/health")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, Data())
        expectError(try server.raw("GET", "/nothing/here"), 404, code: "not_found")
        expectError(try server.raw("GET", "/health", headers: ["Host": ""]), 400, code: "missing_host")
    }

    // 11. The smaller findings.
    func testConsentTranscriptsNamesAndFieldErrors() throws {
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path, "--api-key", "k"])
        let key = ["Authorization": "Bearer k"]
        let audio = try clip
        expectError(try server.upload(name: "fox", audio: audio, fields: [], headers: key), 400, param: "consent")
        expectError(try server.upload(name: "fox", audio: audio, fields: [(name: "consent", value: "no")], headers: key), 400, param: "consent")
        expectError(try server.upload(name: "fox", audio: audio, headers: key, refText: String(repeating: "word ", count: 200_000)), 400, param: "ref_text")
        for name in ["Alloy", "BUILTIN"] { expectError(try server.upload(name: name, audio: audio, headers: key), 400, param: "name") }
        let short = try AudioWriter.encode(samples: (0..<2400).map { 0.3 * sin(Float($0) * 0.1) }, sampleRate: 24000, format: .wav, sampleFormat: .pcm16)
        let tooShort = try server.upload(name: "fox", audio: short, headers: key)
        expectError(tooShort, 400, param: "audio_sample")
        let message = tooShort.error?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("audio_sample") && !message.contains("/"), "names the field, not a server path: \(message)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])

        func speech(_ body: String) throws -> Reply {
            try server.raw("POST", "/v1/audio/speech", headers: ["Content-Type": "application/json", "Authorization": "bearer k"], body: Data(body.utf8))
        }
        expectError(try speech(#"{"input": "Hi.", "voice": "alloy", "seed": -1}"#), 400, param: "seed")
        expectError(try speech(#"{"input": "Hi.", "voice": "alloy", "nfe_step": 8.5}"#), 400, param: "nfe_step")
        expectError(try speech(#"{"input": "Hi.", "voice": "alloy", "cfg_strength": 1e309}"#), 400, param: "cfg_strength")
        expectError(try speech(#"{"input": "Hi.", "voice": {}}"#), 400, param: "voice")
        expectError(try speech(#"{"input": "Hi.", "voice": "alloy", "input": "Something else."}"#), 400, param: "input")
        expectError(try speech(#"{"input": "Hi.", "voice": "alloy", "\u0076oice": "nobody"}"#), 400, param: "voice")
        XCTAssertEqual(try speech(#"{"input": "Hi.", "voice": "Alloy", "nfe_step": 1, "response_format": "pcm"}"#).status, 200, "lower-case bearer")
        // Voices put in the folder by hand that cannot be used: the library's errors, in OpenAI's shape, as 400s.
        try Data("not audio".utf8).write(to: dir.appendingPathComponent("broken.wav"))
        try "Words.".write(to: dir.appendingPathComponent("broken.txt"), atomically: true, encoding: .utf8)
        try audio.write(to: dir.appendingPathComponent("wordy.wav"))
        try String(repeating: "word ", count: 1000).write(to: dir.appendingPathComponent("wordy.txt"), atomically: true, encoding: .utf8)
        for voice in ["broken", "wordy"] {
            expectError(try speech(#"{"input": "Hi.", "voice": "\#(voice)", "nfe_step": 1}"#), 400)
        }
        let model = try XCTUnwrap(try server.request("GET", "/health").json?["model"] as? String)
        XCTAssertFalse(model.contains("/"), "no file path in /health: \(model)")

        // curl sends Expect: 100-continue with large uploads and waits for the go-ahead.
        let expecting = try RawConnection(port: server.port)
        expecting.send("POST /v1/audio/voices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        let go = String(decoding: expecting.read(for: 5) { $0.count >= 12 }.data, as: UTF8.self)
        XCTAssertTrue(go.hasPrefix("HTTP/1.1 100"), go)
    }
}

/// The clients of the hostile tests, callable from any thread.
extension XCTestCase.Server {
    /// A raw HTTP/1.1 exchange on its own connection (`Connection: close`): status, lower-cased headers, body.
    func raw(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data(),
             seconds: Double = 60) throws -> XCTestCase.Reply {
        let connection = try RawConnection(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if headers["Host"] == nil { head += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in headers where !value.isEmpty { head += "\(name): \(value)\r\n" }
        connection.send(Data((head + "\r\n").utf8) + body)
        let (data, closed) = connection.read(for: seconds)
        XCTAssertTrue(closed, "\(method) \(path): no complete answer within \(seconds) s")
        return try XCTestCase.Reply(http: data)
    }

    func upload(name: String, audio: Data, fields: [(name: String, value: String)] = [(name: "consent", value: "yes")],
                headers: [String: String] = [:], refText: String = "The quick brown fox jumps") throws -> XCTestCase.Reply {
        let form = multipartForm([(name: "name", value: name), (name: "ref_text", value: refText)] + fields,
                                 file: (name: "audio_sample", filename: "clip.flac", data: audio))
        return try raw("POST", "/v1/audio/voices", headers: headers.merging(["Content-Type": form.contentType]) { a, _ in a }, body: form.body)
    }
}

extension XCTestCase.Reply {
    /// One HTTP/1.x response with a Content-Length or close-delimited body.
    init(http data: Data) throws {
        let separator = try XCTUnwrap(data.range(of: Data("\r\n\r\n".utf8)), "no response head in \(data.count) bytes")
        let lines = String(decoding: data[..<separator.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.init(status: status, headers: headers, body: Data(data[separator.upperBound...]))
    }
}
