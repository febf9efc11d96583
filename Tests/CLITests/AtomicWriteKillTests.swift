import Foundation
import XCTest

/// Every writer of the package goes through one atomic writer. Each is run as a user runs it and killed
/// with SIGKILL at random moments of its run (some rounds finish): what it writes is then the old content
/// or the whole new content, never a part. Batch's writer is checked the same way in BatchTests.
final class AtomicWriteKillTests: XCTestCase {
    let models = fixturesFolder.appendingPathComponent("speak/models").path
    let refAudio = fixturesFolder.appendingPathComponent("speak/ref.wav").path
    static let rounds = 8

    /// Starts `arguments` `rounds` times over `restore()`d old content, each run killed after a random
    /// delay of up to 1.2 times an uninterrupted run (measured first), half of them in the last fifth of a
    /// run; after each, every item `read()`
    /// gives (a file, a bundle folder) must be its old or its new content.
    func assertKillsLeaveOldOrNew<T: Equatable>(_ arguments: [String], restore: () throws -> Void, read: () throws -> [T],
                                               file: StaticString = #filePath, line: UInt = #line) throws {
        try restore()
        let old = try read()
        let started = Date()
        let run = try f5tts(arguments: arguments)
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        let full = Date().timeIntervalSince(started)
        let new = try read()
        XCTAssertNotEqual(old, new, "the run must change what it writes", file: file, line: line)
        var outcomes: [String] = []
        for round in 0..<Self.rounds {
            try restore()
            // Every other round near the end of a run, where the writes are.
            let delay = round.isMultiple(of: 2) ? Double.random(in: 0...(1.2 * full)) : Double.random(in: (0.8 * full)...(1.05 * full))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts")
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(delay * 1e6))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let now = try read()
            XCTAssertEqual(now.count, old.count, file: file, line: line)
            let outcome = zip(now, zip(old, new)).map { item, was in item == was.0 ? "old" : item == was.1 ? "new" : "PART" }
            outcomes.append(String(format: "%.3f s: ", delay) + outcome.joined(separator: "+"))
            XCTAssertFalse(outcome.contains("PART"), "killed after \(String(format: "%.3f", delay)) s: \(outcome)", file: file, line: line)
        }
        print("\(arguments[0]) killed after \(outcomes.joined(separator: ", ")) (a whole run: \(String(format: "%.3f", full)) s)")
    }

    func testAudioOutput() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out.wav")
        let old = Data("an older file".utf8)
        try assertKillsLeaveOldOrNew(["speak", "--model", models, "--ref-audio", refAudio, "--ref-text", "The quick brown fox jumps",
                                      "--text", "Hello there, this is the new audio.", "--steps", "2", "--seed", "1", "--quiet",
                                      "--output", out.path],
                                     restore: { try old.write(to: out) }, read: { [try Data(contentsOf: out)] })
    }

    /// `make-synthetic` writes its two bundles with the bundle writer, over an earlier pair.
    func testBundleWriter() throws {
        let dir = try scratch()
        let earlier = dir.appendingPathComponent("earlier"), out = dir.appendingPathComponent("out")
        XCTAssertEqual(try f5tts("make-synthetic", "--preset", "tiny", "--seed", "1", "--out", earlier.path).status, 0)
        try assertKillsLeaveOldOrNew(["make-synthetic", "--preset", "tiny", "--seed", "2", "--out", out.path],
                                     restore: {
                                         try? FileManager.default.removeItem(at: out)
                                         try FileManager.default.copyItem(at: earlier, to: out)
                                     },
                                     read: { try ["f5tts", "vocos"].map { try Self.contents(of: out.appendingPathComponent($0)) } })
    }

    /// `download` from a loopback server (the files stream into NAME.part, then are put in place).
    func testDownloader() throws {
        let dir = try scratch()
        let release = dir.appendingPathComponent("release")
        XCTAssertEqual(try f5tts("make-synthetic", "--preset", "tiny", "--out", release.path).status, 0)
        let served = release.appendingPathComponent("f5tts")
        let (port, _) = try startRangeServer(serving: served, cutting: "none", after: 0)
        let target = dir.appendingPathComponent("download")
        let names = try FileManager.default.contentsOfDirectory(atPath: served.path).sorted()
        // Each file of the release: absent (the old state) or exactly the served bytes.
        try assertKillsLeaveOldOrNew(["download", "--repo", "test/tiny", "--dir", target.path, "--endpoint", "http://127.0.0.1:\(port)"],
                                     restore: { try? FileManager.default.removeItem(at: target) },
                                     read: { names.map { FileManager.default.contents(atPath: target.appendingPathComponent($0).path) } })
        XCTAssertFalse(names.isEmpty)
    }

    /// Every regular file below `folder`, by relative path.
    static func contents(of folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: folder.path) ?? FileManager.DirectoryEnumerator() {
            var isDirectory: ObjCBool = false
            let url = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = try Data(contentsOf: url)
            }
        }
        return files
    }
}
