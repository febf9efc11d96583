import F5TestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Starts the real `f5tts serve` on a free loopback port and talks to it with ordinary HTTP requests.
extension XCTestCase {
    /// The tiny synthetic model the server tests speak with.
    static var serverModels: String { fixturesFolder.appendingPathComponent("speak/models").path }

    /// A running server; stopped when the test ends.
    final class Server {
        let process = Process()
        var port = 0
        var base: String { "http://127.0.0.1:\(port)" }
        deinit { process.terminate(); process.waitUntilExit() }
    }

    func serve(_ extra: [String] = []) throws -> Server {
        let server = Server()
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts")
        server.process.executableURL = binary
        server.process.arguments = ["serve", "--model", Self.serverModels, "--port", "0", "--voices-dir", try scratch().path] + extra
        let out = Pipe()
        server.process.standardOutput = out
        server.process.standardError = FileHandle.nullDevice
        try server.process.run()
        // The ready line carries the port ("listening on http://127.0.0.1:PORT"); give up after 60 s.
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        while Date() < deadline, server.port == 0 {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { usleep(50_000); continue }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                server.port = Int(text[range].split(separator: ":").last!)!
            }
        }
        XCTAssertNotEqual(server.port, 0, "no ready line: \(text)")
        return server
    }

    struct Reply { let status: Int; let headers: [String: String]; let body: Data
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        var error: [String: Any]? { json?["error"] as? [String: Any] }
    }

    /// A session that waits as long as a slow synthesis takes between two pieces.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 300
        return URLSession(configuration: configuration)
    }()

    func request(_ server: Server, _ method: String, _ path: String, json: Any? = nil, body: Data? = nil,
                 headers: [String: String] = [:], timeout: TimeInterval = 120) throws -> Reply {
        var request = URLRequest(url: URL(string: server.base + path)!, timeoutInterval: timeout)
        request.httpMethod = method
        if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let body { request.httpBody = body }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        final class Box: @unchecked Sendable { var reply: Reply?; var error: Error? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        Self.session.dataTask(with: request) { data, response, error in
            let http = response as? HTTPURLResponse
            box.reply = http.map { r in
                Reply(status: r.statusCode, headers: Dictionary(uniqueKeysWithValues: r.allHeaderFields.map { ("\($0.key)".lowercased(), "\($0.value)") }),
                      body: data ?? Data())
            }
            box.error = error
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + timeout + 5), .success, "\(method) \(path) timed out")
        if let error = box.error { throw error }
        return try XCTUnwrap(box.reply)
    }
}

/// A multipart/form-data body as browsers and `curl -F` send it, and its Content-Type.
func multipartForm(_ fields: [(name: String, value: String)], file: (name: String, filename: String, data: Data)?) -> (body: Data, contentType: String) {
    let boundary = "f5tts-test-\(UUID().uuidString)"
    var body = Data()
    for field in fields {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\r\n\r\n\(field.value)\r\n".utf8)
    }
    if let file {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += file.data + Data("\r\n".utf8)
    }
    body += Data("--\(boundary)--\r\n".utf8)
    return (body, "multipart/form-data; boundary=\(boundary)")
}
