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
    final class Server: Sendable {
        let process: Process
        let port: Int
        var base: String { "http://127.0.0.1:\(port)" }
        init(process: Process, port: Int) { self.process = process; self.port = port }
        deinit { process.terminate(); process.waitUntilExit() }
    }

    func serve(_ extra: [String] = []) throws -> Server {
        let process = Process()
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts")
        process.executableURL = binary
        process.arguments = ["serve", "--model", Self.serverModels, "--port", "0", "--voices-dir", try scratch().path] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The ready line carries the port ("listening on http://HOST:PORT"); give up after 60 s.
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        var port = 0
        while Date() < deadline, port == 0 {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { usleep(50_000); continue }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"listening on http://[^ \n]+:(\d+)"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!)!
            }
        }
        XCTAssertNotEqual(port, 0, "no ready line: \(text)")
        return Server(process: process, port: port)
    }

    struct Reply: Sendable { let status: Int; let headers: [String: String]; let body: Data
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        var error: [String: Any]? { json?["error"] as? [String: Any] }
    }

    /// A session that waits as long as a slow synthesis takes between two pieces.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 300
        return URLSession(configuration: configuration)
    }()

    /// A JSON request body that a request running beside the test can take along.
    typealias JSONObject = [String: any Sendable]
}

extension XCTestCase.Server {
    /// One request through URLSession, as ordinary clients send it; callable from any thread.
    func request(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil,
                 headers: [String: String] = [:], timeout: TimeInterval = 120) throws -> XCTestCase.Reply {
        var request = URLRequest(url: URL(string: base + path)!, timeoutInterval: timeout)
        request.httpMethod = method
        if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let body { request.httpBody = body }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let result = Shared<Result<XCTestCase.Reply?, Error>?>(nil), done = DispatchSemaphore(value: 0)
        XCTestCase.session.dataTask(with: request) { data, response, error in
            let reply = (response as? HTTPURLResponse).map { r in
                XCTestCase.Reply(status: r.statusCode, headers: Dictionary(uniqueKeysWithValues: r.allHeaderFields.map { ("\($0.key)".lowercased(), "\($0.value)") }),
                                 body: data ?? Data())
            }
            result.value = error.map { .failure($0) } ?? .success(reply)
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + timeout + 5), .success, "\(method) \(path) timed out")
        return try XCTUnwrap(result.value?.get())
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

/// A TCP connection to the server written and read byte for byte, for what URLSession will not send:
/// pipelined or malformed requests, clients that stop reading, connections left silent.
final class RawConnection {
    let fd: Int32

    /// `receiveBuffer` shrinks the socket's receive buffer before connecting (a client that reads slowly
    /// fills it at once).
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Data(text.utf8)) }

    func send(_ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return }
                offset += sent
            }
        }
    }

    /// What arrives until the server closes the connection, `enough` says the answer is complete, or
    /// `seconds` pass; `closed` tells whether the server closed it.
    func read(for seconds: Double, until enough: (Data) -> Bool = { _ in false }) -> (data: Data, closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline, !enough(data) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, min(200, deadline.timeIntervalSinceNow * 1000)))) > 0 else { continue }
            let got = recv(fd, &buffer, buffer.count, 0)
            if got <= 0 { return (data, true) }
            data.append(contentsOf: buffer[0..<got])
        }
        return (data, false)
    }
}

extension XCTestCase {
    /// Resident memory of a process, KiB.
    func residentKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// One value of the server's /metrics, nil when absent.
    func metric(_ server: Server, _ line: String) throws -> Double? {
        let text = String(decoding: try server.request("GET", "/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }
}
