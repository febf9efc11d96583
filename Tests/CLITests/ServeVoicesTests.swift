import F5Audio
import F5TestSupport
import Foundation
import XCTest

/// Voices uploaded and deleted over HTTP as OpenAI's custom-voice API does it (multipart `name`,
/// `audio_sample`, `ref_text`, `consent`), kept in --voices-dir across restarts.
final class ServeVoicesTests: XCTestCase {
    let transcript = "The quick brown fox jumps"
    var clip: Data { get throws { try Data(contentsOf: fixturesFolder.appendingPathComponent("speak/ref.wav")) } }

    func upload(_ server: Server, name: String, audio: Data?, refText: String? = "The quick brown fox jumps",
                headers: [String: String] = [:]) throws -> Reply {
        var fields = [(name: "name", value: name), (name: "consent", value: "cons_123")]
        if let refText { fields.append((name: "ref_text", value: refText)) }
        let form = multipartForm(fields, file: audio.map { (name: "audio_sample", filename: "clip.wav", data: $0) })
        return try server.request("POST", "/v1/audio/voices", body: form.body, headers: headers.merging(["Content-Type": form.contentType]) { a, _ in a })
    }

    func voiceIDs(_ server: Server) throws -> [String] {
        try XCTUnwrap(try server.request("GET", "/v1/audio/voices").json?["voices"] as? [[String: Any]]).compactMap { $0["id"] as? String }
    }

    func testAnUploadedVoiceSpeaksSurvivesARestartAndCanBeDeleted() throws {
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path])
        let added = try upload(server, name: "fox", audio: try clip)
        XCTAssertEqual(added.status, 200, String(decoding: added.body, as: UTF8.self))
        XCTAssertEqual(added.json?["object"] as? String, "audio.voice")
        XCTAssertEqual(added.json?["id"] as? String, "fox")
        XCTAssertEqual(try voiceIDs(server), ["builtin", "fox"])
        // Stored as it was sent, beside its transcript.
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("fox.wav")), try clip)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("fox.txt"), encoding: .utf8), transcript)
        let speech = ["input": "Hi there.", "voice": "fox", "nfe_step": 1, "seed": 5, "response_format": "pcm"] as JSONObject
        let spoken = try server.request("POST", "/v1/audio/speech", json: speech)
        XCTAssertEqual(spoken.status, 200)

        // A new server on the same folder has the voice and speaks it the same, sample for sample.
        let restarted = try serve(["--voices-dir", dir.path])
        XCTAssertEqual(try voiceIDs(restarted), ["builtin", "fox"])
        XCTAssertEqual(try restarted.request("POST", "/v1/audio/speech", json: speech).body, spoken.body)

        let deleted = try restarted.request("DELETE", "/v1/audio/voices/fox")
        XCTAssertEqual(deleted.status, 200)
        XCTAssertEqual(deleted.json?["deleted"] as? Bool, true)
        XCTAssertEqual(try voiceIDs(restarted), ["builtin"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fox.wav").path))
        XCTAssertEqual(try restarted.request("DELETE", "/v1/audio/voices/fox").status, 404)
        XCTAssertEqual(try restarted.request("POST", "/v1/audio/speech", json: speech).status, 404)
    }

    func testBadUploadsAreRefusedAndNothingIsStored() throws {
        let dir = try scratch()
        let server = try serve(["--voices-dir", dir.path, "--api-key", "k"])
        let key = ["Authorization": "Bearer k"]
        func expect(_ reply: Reply, _ status: Int, param: String?, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(reply.status, status, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
            XCTAssertEqual(reply.error?["param"] as? String, param, file: file, line: line)
        }
        expect(try upload(server, name: "fox", audio: try clip), 401, param: nil)
        expect(try upload(server, name: "../x", audio: try clip, headers: key), 400, param: "name")
        expect(try upload(server, name: "alloy", audio: try clip, headers: key), 400, param: "name")
        expect(try upload(server, name: "fox", audio: Data("not audio at all".utf8), headers: key), 400, param: "audio_sample")
        expect(try upload(server, name: "fox", audio: try clip, refText: nil, headers: key), 400, param: "ref_text")
        expect(try upload(server, name: "fox", audio: nil, headers: key), 400, param: "audio_sample")
        // A tenth of a second is too short to speak from (the reference needs half a second).
        let short = try AudioWriter.encode(samples: (0..<2400).map { 0.3 * sin(Float($0) * 0.1) }, sampleRate: 24000, format: .wav, sampleFormat: .pcm16)
        expect(try upload(server, name: "fox", audio: short, headers: key), 400, param: "audio_sample")
        expect(try upload(server, name: "fox", audio: Data(count: 11 << 20), headers: key), 413, param: "audio_sample")
        let json = try server.request("POST", "/v1/audio/voices", json: ["name": "fox"], headers: key)
        XCTAssertEqual(json.status, 415)
        XCTAssertEqual(try server.request("DELETE", "/v1/audio/voices/builtin", headers: key).status, 400)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }, [])
        // Still serving, and the key lets an upload through.
        XCTAssertEqual(try upload(server, name: "fox", audio: try clip, headers: key).status, 200)
    }
}
