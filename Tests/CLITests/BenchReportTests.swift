import Foundation
import XCTest

/// `f5tts bench` as CI dashboards use it: both paths on the tiny synthetic model, the fidelity section
/// of the report, the thread-scaling table and the github-action-benchmark file.
final class BenchReportTests: XCTestCase {
    private func json(_ url: URL) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: url)) }

    func testBenchReportsFidelityAndWritesTheGitHubBenchmarkFile() throws {
        let work = try scratch(), out = work.appendingPathComponent("report"), gh = work.appendingPathComponent("gh.json")
        let trace = work.appendingPathComponent("trace.json")
        let run = try f5ttsWithEnvironment(["bench", "--preset", "tiny", "--frames", "400", "--steps", "2", "--repeats", "1",
                                            "--out", out.path, "--github-benchmark", gh.path, "--scaling", "--trace", trace.path,
                                            "--workers", "2"],
                                           environment: ["F5TTS_CACHE": work.appendingPathComponent("cache").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("## Fidelity: direct against dequant"), run.stdout)

        let report = try XCTUnwrap(try json(out.appendingPathComponent("report.json")) as? [String: Any])
        let fidelity = try XCTUnwrap(report["fidelity"] as? [String: Any], "report.json has no fidelity")
        let melSNR = try XCTUnwrap(fidelity["melSNR"] as? Double), waveSNR = try XCTUnwrap(fidelity["waveformSNR"] as? Double)
        // The paths differ (int8 activations and attention against fp32), but only by rounding.
        for snr in [melSNR, waveSNR] { XCTAssertTrue(snr.isFinite && snr > 20, "SNR \(snr) dB") }
        let stages = try XCTUnwrap(fidelity["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.compactMap { $0["stage"] as? String }, ["text_embedding", "block_0", "last_block", "velocity"])
        for stage in stages { XCTAssertTrue((stage["snr"] as? Double)?.isFinite == true, "\(stage)") }
        let results = try XCTUnwrap(report["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["attention"] as? String }, ["fp32", "int8"])

        let entries = try XCTUnwrap(try json(gh) as? [[String: Any]])
        func value(_ name: String) -> Double? { entries.first { $0["name"] as? String == name }?["value"] as? Double }
        for entry in entries {
            XCTAssertEqual(Set(entry.keys), ["name", "unit", "value", "extra"], "\(entry)")
        }
        XCTAssertEqual(value("direct seconds per step"), results[1]["medianStepSeconds"] as? Double)
        XCTAssertEqual(value("dequant peak memory"), results[0]["peakMemoryMB"] as? Double)
        XCTAssertEqual(try XCTUnwrap(value("direct vs dequant mel error")), pow(10, -melSNR / 20), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("direct vs dequant waveform error")), pow(10, -waveSNR / 20), accuracy: 1e-12)
        // 1, 2, 4, ... threads and all cores, the direct path (the last of --backends).
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let powers = Array(sequence(first: 1) { $0 * 2 }.prefix { $0 <= cores })
        let scaling = try XCTUnwrap(report["scaling"] as? [[String: Any]])
        XCTAssertEqual(scaling.compactMap { $0["threads"] as? Int }, powers.last == cores ? powers : powers + [cores])
        XCTAssertTrue(scaling.allSatisfy { $0["backend"] as? String == "direct" && ($0["secondsPerStep"] as? Double ?? 0) > 0 })
        XCTAssertTrue(run.stdout.contains("## Thread scaling (direct"), run.stdout)
        // One traced step of the direct path: Chrome trace events on the model thread and the workers, and its analysis.
        let events = try XCTUnwrap((try json(trace) as? [String: Any])?["traceEvents"] as? [[String: Any]])
        let regions = events.filter { $0["ph"] as? String == "X" && $0["tid"] as? Int == 0 && $0["name"] as? String != "serial" }
        XCTAssertTrue(regions.contains { ($0["name"] as? String)?.hasSuffix("attn.to_qkv") == true }, "\(regions.prefix(5))")
        XCTAssertTrue(events.contains { $0["ph"] as? String == "X" && ($0["tid"] as? Int ?? 0) > 0 }, "no worker spans")
        let analysis = try XCTUnwrap(report["trace"] as? [String: Any])
        XCTAssertEqual(analysis["regions"] as? Int, regions.count)
        let step = try XCTUnwrap(analysis["stepSeconds"] as? Double), serial = try XCTUnwrap(analysis["serialSeconds"] as? Double)
        XCTAssertTrue(step > 0 && serial >= 0 && serial < step, "step \(step) s, serial \(serial) s")
        let projection = try XCTUnwrap(analysis["projection"] as? [[String: Any]])
        XCTAssertEqual(projection.compactMap { $0["threads"] as? Int }, [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64])
        XCTAssertTrue(run.stdout.contains("## One step traced (direct"), run.stdout)
        // 1 and 2 syntheses side by side of the same text and seed: twice the audio, each row timed.
        let workers = try XCTUnwrap(report["workers"] as? [[String: Any]])
        XCTAssertEqual(workers.compactMap { $0["workers"] as? Int }, [1, 2])
        let audio = workers.compactMap { $0["audioSeconds"] as? Double }
        XCTAssertEqual(audio.count, 2)
        XCTAssertGreaterThan(audio[0], 0)
        XCTAssertEqual(audio[1], 2 * audio[0], accuracy: 1e-9)
        XCTAssertTrue(workers.allSatisfy { ($0["wallSeconds"] as? Double ?? 0) > 0 && ($0["cpuSeconds"] as? Double ?? 0) > 0 }, "\(workers)")
        XCTAssertTrue(run.stdout.contains("## Syntheses side by side (direct"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Projected on 16 cores from the traced step"), run.stdout)
        // The children's outputs for the comparison and the scaling runs' folder are gone.
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("outputs-") || $0 == "scaling" }
        XCTAssertEqual(left, [])
    }

    func testAnUnwritableGitHubBenchmarkPathFailsBeforeTheRun() throws {
        let work = try scratch()
        let run = try f5ttsWithEnvironment(["bench", "--preset", "tiny", "--out", work.appendingPathComponent("report").path,
                                            "--github-benchmark", work.appendingPathComponent("missing/gh.json").path],
                                           environment: ["F5TTS_CACHE": work.appendingPathComponent("cache").path])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("--github-benchmark") && run.stderr.contains("missing/gh.json"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("report").path), "nothing ran")
    }
}
