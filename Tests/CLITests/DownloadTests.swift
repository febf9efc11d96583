import Foundation
import XCTest

/// `f5tts download` against a loopback server serving a synthetic release; no test reaches the internet.
final class DownloadTests: XCTestCase {
    func testInterruptedDownloadResumesAndVerifies() throws {
        let scratch = try scratch()
        let release = scratch.appendingPathComponent("release")
        XCTAssertEqual(try f5tts("make-synthetic", "--preset", "tiny", "--out", release.path).status, 0)
        // The release's own list: the F5 bundle at the root, as the published repository has it.
        let served = release.appendingPathComponent("f5tts")
        let q4Size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: served.appendingPathComponent("tensors.q4.bin").path)[.size] as? Int)
        let (port, log) = try startRangeServer(serving: served, cutting: "tensors.q4.bin", after: 5000)
        let target = scratch.appendingPathComponent("download")
        let endpoint = "http://127.0.0.1:\(port)"

        let first = try f5tts("download", "--repo", "test/tiny", "--dir", target.path, "--endpoint", endpoint)
        XCTAssertTrue((1...127).contains(first.status), "the cut transfer must fail: \(first.stdout)")
        XCTAssertTrue(first.stderr.contains("tensors.q4.bin") && first.stderr.contains("resume"), first.stderr)
        let part = target.appendingPathComponent("tensors.q4.bin.part")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: part.path)[.size] as? Int, 5000)

        let second = try f5tts("download", "--repo", "test/tiny", "--dir", target.path, "--endpoint", endpoint)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("all checksums verified"), second.stdout)
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("tensors.q4.bin")),
                       try Data(contentsOf: served.appendingPathComponent("tensors.q4.bin")))
        XCTAssertEqual(try f5tts("verify", target.path).status, 0)
        XCTAssertGreaterThan(q4Size, 5000)
        let requests = String(decoding: log.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertTrue(requests.contains("/test/tiny/resolve/main/tensors.q4.bin range=bytes=5000-"), requests)
    }

    func testMissingRepositoryIsAnHTTPError() throws {
        let scratch = try scratch()
        let (port, _) = try startRangeServer(serving: scratch, cutting: "none", after: 0)
        let run = try f5tts("download", "--dir", scratch.appendingPathComponent("d").path, "--endpoint", "http://127.0.0.1:\(port)")
        XCTAssertTrue((1...127).contains(run.status))
        XCTAssertTrue(run.stderr.contains("HTTP status 404") && run.stderr.contains("checksums.sha256"), run.stderr)
    }
}

extension XCTestCase {
    /// range_server.py serving `dir` on a free loopback port (cutting `file` after `bytes` once), stopped when
    /// the test ends; its port and its request log.
    func startRangeServer(serving dir: URL, cutting file: String, after bytes: Int) throws -> (port: Int, log: Pipe) {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", fixturesFolder.appendingPathComponent("range_server.py").path, dir.path, file, String(bytes)]
        let out = Pipe(), log = Pipe()
        server.standardOutput = out
        server.standardError = log
        try server.run()
        addTeardownBlock { server.terminate(); server.waitUntilExit() }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        return (port, log)
    }
}
