import Foundation
import Synchronization
import XCTest
@testable import f5tts_bench_kernels

/// The kernel benchmark's ratio check as CI runs it (`f5tts-bench-kernels --quick --baseline ...`):
/// a busy neighbour on one core must not fail it, and a real regression must.
final class KernelBenchGateTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let committedBaseline = packageRoot.appendingPathComponent("bench/baselines/kernels-quick.json")
    /// One run of the benchmark may take this long before the test gives up on it.
    static let runLimit: TimeInterval = 180

    /// A `--quick` report this binary measured without the busy core, shared by the tests (nil until the first asks).
    private static let ownReport = Mutex<URL?>(nil)
    private var busy: Process?

    override class func tearDown() {
        if let report = ownReport.withLock({ $0 }) { try? FileManager.default.removeItem(at: report) }
        ownReport.withLock { $0 = nil }
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
        let loaded = try scratch().appendingPathComponent("loaded.json")
        let started = Date()
        let run = try runBench(bench, ["--quick", "--baseline", baseline.path, "--json", loaded.path])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("ratio check against"), "the check did not run:\n" + run.stdout)
        XCTAssertFalse(run.stdout.contains("REGRESSION"), run.stdout)
        XCTAssertLessThan(elapsed, 120, "a --quick run with one busy core took \(Int(elapsed)) s")
        // Where /proc tells, the benchmark saw the busy loop: between a third and all of a core (it shares the
        // cores with the benchmark's own threads).
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: loaded)) as? [String: Any])
        let linear = try XCTUnwrap(report["linear"] as? [[String: Any]])
        let stats = linear.first { $0["m"] as? Int == 256 }?["dequantCachedOverSgemmStats"] as? [String: Any]
        if let others = stats?["otherCores"] as? Double {
            XCTAssertGreaterThan(others, 0.3, "the busy loop was not seen")
        }
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
        let lines = (run.stdout + "\n" + run.stderr).split(separator: "\n")
        let ratio = "M=256 N=1024 K=1024 dequant-cached/sgemm"
        if run.status == 0, lines.contains(where: { $0.contains("UNSTABLE, NOT GATED: \(ratio)") && $0.contains("other processes took") }) {
            throw XCTSkip("other processes kept the cores busy through every measurement, so the check rightly did not gate:\n" + run.stdout)
        }
        XCTAssertNotEqual(run.status, 0, run.stdout + run.stderr)
        let named = lines.filter { $0.contains("REGRESSION") && $0.contains(ratio) }
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
        if let report = Self.ownReport.withLock({ $0 }) { return report }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-bench-kernels-\(UUID().uuidString).json")
        let run = try runBench(bench, ["--quick", "--json", url.path])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("the benchmark wrote no report:\n" + run.stdout + run.stderr)
        }
        Self.ownReport.withLock { $0 = url }
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
        let stdout = Shared(Data()), stderr = Shared(Data())
        let readers = [Thread { stdout.value = out.fileHandleForReading.readDataToEndOfFile() },
                       Thread { stderr.value = err.fileHandleForReading.readDataToEndOfFile() }]
        readers.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(Self.runLimit)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("f5tts-bench-kernels \(arguments.joined(separator: " ")) ran past \(Int(Self.runLimit)) s")
        }
        process.waitUntilExit()
        while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
        print("f5tts-bench-kernels \(arguments.joined(separator: " ")): exit \(process.terminationStatus)\n"
              + String(decoding: stdout.value, as: UTF8.self) + String(decoding: stderr.value, as: UTF8.self))
        return CLIRun(status: process.terminationStatus, stdoutData: stdout.value, stderr: String(decoding: stderr.value, as: UTF8.self))
    }
}

/// The decision rules of the check, without measuring anything.
final class KernelBenchGateRuleTests: XCTestCase {
    let gate = RegressionGate(tolerance: 0.25)

    /// Stats of `rounds` ratios with this median and an interquartile range of `spread` (relative) around it.
    func stats(_ median: Double, spread: Double, rounds: Int) -> RatioStats {
        var s = RatioStats([median])
        s.q1 = median * (1 - spread / 2); s.q3 = median * (1 + spread / 2)
        s.spread = spread; s.rounds = rounds; s.uncertainty = spread / Double(rounds).squareRoot()
        return s
    }

    func testQuartilesInterpolateLikeNumpy() {
        let s = RatioStats([4, 1, 3, 2, 10])
        XCTAssertEqual(s.median, 3)
        XCTAssertEqual(s.q1, 2)
        XCTAssertEqual(s.q3, 4)
        XCTAssertEqual(s.min, 1); XCTAssertEqual(s.max, 10)
        XCTAssertEqual(s.spread, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(RatioStats([1, 2, 3, 4]).q1, 1.75)
        XCTAssertEqual(RatioStats([1, 2, 3, 4]).median, 2.5)
    }

    func testVerdicts() {
        // Bar: 0.75 of the baseline 1.
        XCTAssertEqual(gate.verdict(stats(0.80, spread: 0.9, rounds: 8), baseline: 1), .ok, "above the bar passes however noisy")
        XCTAssertEqual(gate.verdict(stats(0.70, spread: 0.1, rounds: 16), baseline: 1), .regressed, "precise and under the bar")
        XCTAssertEqual(gate.verdict(stats(0.70, spread: 0.4, rounds: 16), baseline: 1), .unstable, "uncertainty 10 % > 6.25 %")
        XCTAssertEqual(gate.verdict(stats(0.30, spread: 0.9, rounds: 8), baseline: 1), .regressed, "even the upper quartile is under the bar")
        var crowded = stats(0.30, spread: 0.1, rounds: 16)
        crowded.otherCores = 1
        XCTAssertEqual(gate.verdict(crowded, baseline: 1), .busy, "a neighbour shifts ratios: no verdict under load")
        crowded.median = 0.8
        XCTAssertEqual(gate.verdict(crowded, baseline: 1), .ok, "above the bar passes, neighbour or not")
    }

    func testOutcomeNeedsEveryMeasurementToRegress() {
        XCTAssertTrue(gate.wantsAnotherMeasurement([.regressed]))
        XCTAssertTrue(gate.wantsAnotherMeasurement([.regressed, .unstable]))
        XCTAssertFalse(gate.wantsAnotherMeasurement([.regressed, .ok]))
        XCTAssertFalse(gate.wantsAnotherMeasurement([.regressed, .regressed, .regressed]))
        XCTAssertEqual(gate.outcome([.ok]), .pass)
        XCTAssertEqual(gate.outcome([.regressed, .regressed, .ok]), .pass)
        XCTAssertEqual(gate.outcome([.regressed, .regressed, .regressed]), .regression)
        XCTAssertEqual(gate.outcome([.regressed, .unstable, .regressed]), .unstable)
        XCTAssertEqual(gate.outcome([.unstable, .unstable, .unstable]), .unstable)
        XCTAssertEqual(gate.outcome([.regressed, .regressed, .busy]), .unstable)
    }

    func testCheckMeasuresAgainOnlyWhatDidNotPass() {
        func linear(_ cached: RatioStats, _ direct: RatioStats) -> BenchmarkResult {
            .linear(LinearResult(m: 256, n: 8, k: 8, sgemm: 1, dequantFirstCall: 1, dequantCached: 1, direct: 1,
                                 dequantCachedOverSgemm: cached.median, directOverDequant: direct.median,
                                 dequantCachedOverSgemmStats: cached, directOverDequantStats: direct))
        }
        let shape = Benchmark.linear(m: 256, n: 8, k: 8)
        let good = stats(1, spread: 0.05, rounds: 16), low = stats(0.5, spread: 0.05, rounds: 16)
        let ratios = [
            GatedRatio(name: "cached", benchmark: shape, baseline: 1, stats: { $0.linear?.dequantCachedOverSgemmStats }),
            GatedRatio(name: "direct", benchmark: shape, baseline: 1, stats: { $0.linear?.directOverDequantStats }),
        ]
        // "cached" is low once, then fine: noise. "direct" is low every time: a regression.
        var again = [linear(good, low), linear(good, low)]
        var calls = 0
        let entries = Regression.check(ratios, first: { _ in linear(low, low) }, gate: gate,
                                       measureAgain: { _ in calls += 1; return again.removeFirst() }, log: { _ in })
        XCTAssertEqual(calls, 2, "one run of the benchmark serves both ratios")
        XCTAssertEqual(entries.map(\.outcome), [.pass, .regression])
        XCTAssertEqual(entries[0].measurements.count, 2, "no third measurement once one passed")
        XCTAssertEqual(entries[1].measurements.count, 3)
    }
}
