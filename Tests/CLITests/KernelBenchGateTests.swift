import Foundation
import XCTest

/// The kernel benchmark's ratio check as CI runs it (`f5tts-bench-kernels --quick --baseline ...`):
/// a busy neighbour on one core must not fail it, and a real regression must.
final class KernelBenchGateTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let committedBaseline = packageRoot.appendingPathComponent("bench/baselines/kernels-quick.json")
    /// One run of the benchmark may take this long before the test gives up on it.
    static let runLimit: TimeInterval = 180

    /// A `--quick` report this binary measured without the busy core, shared by the tests (nil until the first asks).
    nonisolated(unsafe) private static var ownReport: URL?
    private var busy: Process?

    override class func tearDown() {
        if let ownReport { try? FileManager.default.removeItem(at: ownReport) }
        ownReport = nil
        super.tearDown()
    }

    override func tearDown() {
        if let busy, busy.isRunning {
            busy.terminate()
            busy.waitUntilExit()
        }
        busy = nil
        super.tearDown()
    }

    func testPassesWithOneCoreBusy() throws {
        let bench = try benchBinary()
        let own = try measuredReport(bench)
        // The committed baseline holds release ratios of the project's machine kind; on another
        // machine or build it would not be checked at all, so check against this binary's own report.
        let baseline = try committedBaselineApplies(to: own) ? Self.committedBaseline : own
        try startBusyCore()
        let started = Date()
        let run = try runBench(bench, ["--quick", "--baseline", baseline.path])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("ratio check against"), "the check did not run:\n" + run.stdout)
        XCTAssertFalse(run.stdout.contains("REGRESSION"), run.stdout)
        XCTAssertLessThan(elapsed, 120, "a --quick run with one busy core took \(Int(elapsed)) s")
    }

    func testFailsWhenARatioReallyFell() throws {
        let bench = try benchBinary()
        let own = try measuredReport(bench)
        // The stored dequant-cached/sgemm ratio at M = 256 made three times what this machine measures.
        var report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: own)) as? [String: Any])
        var linear = try XCTUnwrap(report["linear"] as? [[String: Any]])
        let i = try XCTUnwrap(linear.firstIndex { $0["m"] as? Int == 256 })
        let real = try XCTUnwrap(linear[i]["dequantCachedOverSgemm"] as? Double)
        linear[i]["dequantCachedOverSgemm"] = 3 * real
        report["linear"] = linear
        let doctored = try scratch().appendingPathComponent("doctored.json")
        try JSONSerialization.data(withJSONObject: report).write(to: doctored)

        let run = try runBench(bench, ["--quick", "--baseline", doctored.path])
        XCTAssertNotEqual(run.status, 0, run.stdout + run.stderr)
        let lines = (run.stdout + "\n" + run.stderr).split(separator: "\n")
        let named = lines.filter { $0.contains("REGRESSION") && $0.contains("M=256 N=1024 K=1024 dequant-cached/sgemm") }
        XCTAssertFalse(named.isEmpty, "no line names the ratio:\n" + run.stdout + run.stderr)
        XCTAssertFalse(lines.contains { $0.contains("REGRESSION") && $0.contains("direct/dequant") }, run.stdout)
    }

    // MARK: - helpers

    func benchBinary() throws -> URL {
        let url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("f5tts-bench-kernels")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("f5tts-bench-kernels is not built next to the test runner (\(url.path)): CLITests does not depend on it, "
                          + "so only a whole-package build makes it (Package.swift would need \"f5tts-bench-kernels\" among CLITests' dependencies)")
        }
        return url
    }

    func measuredReport(_ bench: URL) throws -> URL {
        if let report = Self.ownReport { return report }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-bench-kernels-\(UUID().uuidString).json")
        let run = try runBench(bench, ["--quick", "--json", url.path])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("the benchmark wrote no report:\n" + run.stdout + run.stderr)
        }
        Self.ownReport = url
        return url
    }

    /// The benchmark's own rule: same CPU model, OpenBLAS kernel and int8 kernels, both optimised builds.
    func committedBaselineApplies(to own: URL) throws -> Bool {
        func read(_ url: URL) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }
        let a = try read(own), b = try read(Self.committedBaseline)
        let ea = a["environment"] as? [String: Any] ?? [:], eb = b["environment"] as? [String: Any] ?? [:]
        let same = ["cpuModel", "openBLASCore", "int8ISA"].allSatisfy { (ea[$0] as? String) != nil && ea[$0] as? String == eb[$0] as? String }
        return same && (a["optimized"] as? Bool ?? true) && (b["optimized"] as? Bool ?? true)
    }

    /// A shell busy loop, one core's worth; stopped in tearDown, and by `timeout` should that never run.
    func startBusyCore() throws {
        let process = Process()
        let timeout = "/usr/bin/timeout"
        if FileManager.default.isExecutableFile(atPath: timeout) {
            process.executableURL = URL(fileURLWithPath: timeout)
            process.arguments = ["\(Int(Self.runLimit) + 60)", "/bin/sh", "-c", "while :; do :; done"]
        } else {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "while :; do :; done"]
        }
        try process.run()
        busy = process
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertTrue(process.isRunning, "the busy loop did not start")
    }

    /// Runs the benchmark to its end (or kills it after `runLimit`), reading both pipes as it goes.
    func runBench(_ bench: URL, _ arguments: [String]) throws -> CLIRun {
        let process = Process()
        process.executableURL = bench
        process.arguments = arguments
        process.currentDirectoryURL = Self.packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let stdout = Box(), stderr = Box()
        let readers = [Thread { stdout.data = out.fileHandleForReading.readDataToEndOfFile() },
                       Thread { stderr.data = err.fileHandleForReading.readDataToEndOfFile() }]
        readers.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(Self.runLimit)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("f5tts-bench-kernels \(arguments.joined(separator: " ")) ran past \(Int(Self.runLimit)) s")
        }
        process.waitUntilExit()
        while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
        return CLIRun(status: process.terminationStatus, stdoutData: stdout.data, stderr: String(decoding: stderr.data, as: UTF8.self))
    }
}
