@testable import F5Bench
@testable import F5Compute
import Foundation
import XCTest

/// The trace analysis on hand-made steps, whose serial time, imbalance and replayed thread counts are known.
final class StepAnalysisTests: XCTestCase {
    /// Microseconds as the trace's nanoseconds; the task had the CPU all along unless `cpu` says otherwise.
    func span(_ worker: Int32, _ start: UInt64, _ end: UInt64, cpu: UInt64? = nil) -> StepTrace.TaskSpan {
        StepTrace.TaskSpan(worker: worker, start: start * 1000, end: end * 1000, cpu: (cpu ?? end - start) * 1000)
    }

    func region(_ stage: String, _ name: String, _ start: UInt64, _ end: UInt64, workers: Int, bytes: Int = 0,
                _ tasks: [StepTrace.TaskSpan]) -> StepTrace.Region {
        StepTrace.Region(stage: stage, name: name, start: start * 1000, end: end * 1000, workers: workers, bytes: bytes, tasks: tasks)
    }

    /// Costs with no region overhead and unbounded bandwidth, so the projection is the replay alone.
    let free = ParallelCosts(forkJoinSeconds: 0, forkJoinPerThreadSeconds: 0, bandwidthPerThread: .infinity,
                             bandwidthAllCores: .infinity, bandwidthCap: .infinity)

    func testSerialTimeImbalanceAndReplay() {
        // Tasks of 300, 100, 100, 100 µs on 2 workers: worker 0 ran the long one, worker 1 the three short ones.
        let gemm = region("transformer_blocks.3", "transformer_blocks.3.attn.to_qkv", 10, 320, workers: 2,
                          [span(0, 10, 310), span(1, 10, 110), span(1, 110, 210), span(1, 210, 310)])
        // 4 equal tasks of 50 µs, 2 per worker.
        let norm = region("transformer_blocks.3", "attn_norm", 330, 440, workers: 2,
                          [span(0, 330, 380), span(1, 330, 380), span(0, 380, 430), span(1, 380, 430)])
        let step = StepTrace.Step(index: 1, threads: 2, start: 0, end: 450 * 1000, regions: [gemm, norm])
        let analysis = StepAnalysis(step: step, backend: "direct", costs: free)

        XCTAssertEqual(analysis.stepSeconds, 450e-6, accuracy: 1e-12)
        // 450 µs of step, regions 310 + 110 µs: 30 µs with one thread busy.
        XCTAssertEqual(analysis.serialSeconds, 30e-6, accuracy: 1e-12)
        XCTAssertEqual(analysis.regions, 2)
        XCTAssertEqual(StepAnalysis.imbalance(gemm), 1.0, accuracy: 1e-12)  // 300 and 300 µs busy
        XCTAssertEqual(StepAnalysis.imbalance(norm), 1.0, accuracy: 1e-12)
        let skewed = region("s", "x", 0, 400, workers: 2, [span(0, 0, 400), span(1, 0, 100)])
        XCTAssertEqual(StepAnalysis.imbalance(skewed), 400.0 / 250.0, accuracy: 1e-12)

        // Replays: in order, each task to the worker that is free first.
        XCTAssertEqual(StepAnalysis.replay(gemm, threads: 1), 600e-6, accuracy: 1e-12)
        XCTAssertEqual(StepAnalysis.replay(gemm, threads: 2), 300e-6, accuracy: 1e-12)
        XCTAssertEqual(StepAnalysis.replay(gemm, threads: 4), 300e-6, accuracy: 1e-12)  // the long task bounds it
        XCTAssertEqual(StepAnalysis.replay(norm, threads: 3), 100e-6, accuracy: 1e-12)
        XCTAssertEqual(StepAnalysis.replay(norm, threads: 64), 50e-6, accuracy: 1e-12)
        // A task preempted for 900 µs of its 1000 µs counts as the 100 µs it computed.
        let preempted = region("s", "x", 0, 1000, workers: 2, [span(0, 0, 1000, cpu: 100), span(1, 0, 100)])
        XCTAssertEqual(StepAnalysis.replay(preempted, threads: 2), 100e-6, accuracy: 1e-12)
        XCTAssertEqual(StepAnalysis.imbalance(preempted), 1.0, accuracy: 1e-12)

        // Step at P threads: serial + each region's replay.
        XCTAssertEqual(analysis.projected(threads: 1)!, 30e-6 + 600e-6 + 200e-6, accuracy: 1e-12)
        XCTAssertEqual(analysis.projected(threads: 4)!, 30e-6 + 300e-6 + 50e-6, accuracy: 1e-12)
        // Block indices fold into one operation name.
        XCTAssertEqual(Set(analysis.operations.map(\.name)), ["transformer_blocks.#.attn.to_qkv", "transformer_blocks.#/attn_norm"])
    }

    /// A region that streams memory takes at least bytes / bandwidth, and each region pays its fork/join.
    func testBandwidthBoundAndRegionCost() {
        let copy = region("sampler", "sampler.euler", 0, 100, workers: 1, bytes: 1_000_000, [span(0, 0, 100)])
        let step = StepTrace.Step(index: 0, threads: 1, start: 0, end: 100 * 1000, regions: [copy])
        let costs = ParallelCosts(forkJoinSeconds: 2e-6, forkJoinPerThreadSeconds: 1e-6, bandwidthPerThread: 5e9,
                                  bandwidthAllCores: 5e9, bandwidthCap: 20e9)
        let analysis = StepAnalysis(step: step, backend: "direct", costs: costs)
        // One task: 100 µs of compute on any thread count; 1 MB at 5 GB/s is 200 µs on one thread, at the cap 50 µs.
        XCTAssertEqual(analysis.projected(threads: 1)!, 200e-6 + 2e-6, accuracy: 1e-12)
        XCTAssertEqual(analysis.projected(threads: 2)!, 100e-6 + 2e-6, accuracy: 1e-12)  // min(2 x 5, 20) GB/s; one task, one worker
        XCTAssertEqual(analysis.projected(threads: 64)!, 100e-6 + 2e-6, accuracy: 1e-12)
    }

    /// The Chrome trace: the model thread holds every region and the serial stretches between them, and each
    /// worker one span per region it took part in.
    func testChromeTrace() throws {
        let a = region("input_embed", "input_embed.proj.x", 5, 25, workers: 2, [span(0, 5, 15), span(1, 5, 25)])
        let b = region("sampler", "sampler.euler", 30, 40, workers: 1, [span(0, 30, 40)])
        let step = StepTrace.Step(index: 0, threads: 2, start: 0, end: 50 * 1000, regions: [a, b])
        let json = try JSONSerialization.jsonObject(with: StepAnalysis.chromeTrace(step)) as! [String: Any]
        let events = json["traceEvents"] as! [[String: Any]]
        let spans = events.filter { $0["ph"] as? String == "X" }
        let model = spans.filter { $0["tid"] as? Int == 0 }
        XCTAssertEqual(model.map { $0["name"] as! String },
                       ["serial", "input_embed/input_embed.proj.x", "serial", "sampler/sampler.euler", "serial"])
        XCTAssertEqual(model.map { $0["dur"] as! Double }, [5, 20, 5, 10, 10])
        XCTAssertEqual(spans.filter { $0["tid"] as? Int == 2 }.map { $0["dur"] as! Double }, [20])
        XCTAssertEqual(events.filter { $0["ph"] as? String == "M" }.count, 3)  // model thread + 2 workers
    }
}
