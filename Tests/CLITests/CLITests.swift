import Foundation
import Synchronization
import XCTest

/// What one run of the executable printed and returned.
struct CLIRun {
    let status: Int32
    /// Standard output as bytes (a WAV on stdout is not text) and as text.
    let stdoutData: Data
    let stderr: String
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
}

let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

extension XCTestCase {
    func f5tts(_ arguments: String..., stdin: Data? = nil) throws -> CLIRun {
        try f5tts(arguments: arguments, stdin: stdin)
    }

    /// Runs the executable built next to the test runner (`swift test` builds it: this target depends on it),
    /// in `directory` when given.
    func f5tts(arguments: [String], stdin: Data? = nil, in directory: URL? = nil) throws -> CLIRun {
        try f5ttsWithEnvironment(arguments, stdin: stdin, in: directory, environment: [:])
    }

    /// `f5tts(arguments:)` with `environment` added to this process's.
    func f5ttsWithEnvironment(_ arguments: [String], stdin: Data? = nil, in directory: URL? = nil,
                              environment: [String: String]) throws -> CLIRun {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a full stderr pipe cannot block the child.
        let stderr = Shared(Data())
        let reader = Thread { stderr.value = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return CLIRun(status: process.terminationStatus, stdoutData: stdout, stderr: String(decoding: stderr.value, as: UTF8.self))
    }

    /// A fresh temporary folder, removed when the test ends.
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// The `f5tts` executable as users and scripts see it: output, exit status, stderr messages.
final class CLITests: XCTestCase {
    func testInspectJSONHasTheDocumentedKeys() throws {
        let run = try f5tts("inspect", fixturesFolder.appendingPathComponent("python-bundles/f5tts").path, "--json")
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["format"] as? String, "f5tts-q4-bundle-v0")
        XCTAssertEqual(json["q4_tensors"] as? Int, 27)
        XCTAssertEqual(json["dense_tensors"] as? Int, 37)
        XCTAssertEqual((json["architecture"] as? [String: Any])?["dim"] as? Int, 64)
        XCTAssertNotNil(json["q4_parameters"]); XCTAssertNotNil(json["dense_parameters"]); XCTAssertNotNil(json["bytes"])
    }

    func testSyntheticTinyPairVerifiesAndCorruptionFails() throws {
        let out = try scratch().appendingPathComponent("models")
        XCTAssertEqual(try f5tts("make-synthetic", "--preset", "tiny", "--seed", "4", "--out", out.path).status, 0)
        let ok = try f5tts("verify", out.path)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("12 files"), ok.stdout)
        let q4 = out.appendingPathComponent("vocos/tensors.q4.bin")
        var data = try Data(contentsOf: q4)
        data[10] ^= 0xFF
        try data.write(to: q4)
        let bad = try f5tts("verify", out.path)
        XCTAssertTrue((1...127).contains(bad.status), "exit \(bad.status)")
        XCTAssertTrue(bad.stderr.contains("vocos/tensors.q4.bin") && bad.stderr.contains("mismatch"), bad.stderr)
    }

    func testBadPathsExitCleanly() throws {
        let missing = try f5tts("inspect", "/nonexistent/bundle")
        XCTAssertTrue((1...127).contains(missing.status))
        XCTAssertTrue(missing.stderr.contains("/nonexistent/bundle"), missing.stderr)
        let notABundle = try scratch()
        try Data("hello".utf8).write(to: notABundle.appendingPathComponent("x.tar"))
        let garbage = try f5tts("inspect", notABundle.appendingPathComponent("x.tar").path)
        XCTAssertTrue((1...127).contains(garbage.status))
        XCTAssertTrue(garbage.stderr.contains("x.tar"), garbage.stderr)
    }
}

/// A program's standard output (an independent tool's answer to check ours against).
func command(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A value one thread sets and another reads once it has waited for it (a join, a semaphore).
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
    /// A change made whole under the lock (`value`'s get then set is two steps).
    func update(_ change: (inout Value) -> Void) { state.withLock { change(&$0) } }
}
