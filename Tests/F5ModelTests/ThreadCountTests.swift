import F5Bundle
import F5Compute
import F5Model
import Synchronization
import XCTest

/// Every region cuts its work by the shapes alone (never by the thread count) and every reduction runs in a
/// fixed order inside one task, so a synthesis gives the same bits on any number of threads: a batch run on
/// 1-core tasks reproduces the same jobs run on a bigger node.
final class ThreadCountTests: XCTestCase {
    func testSameBitsOnOneTwoThreeAndFiveThreads() throws {
        let fixture = try ModelFixtures.Convention("heavy")
        let cond = try fixture.tensor("cond")
        let original = ComputeThreads.count
        defer { ComputeThreads.configure(original) }
        // 400 frames (800 rows with guidance): several row tiles, column tiles, attention parts and conv tasks.
        let options = SamplerOptions(steps: 2, cfg: 2, sway: -1, method: .midpoint)
        let paths: [(BackendKind, ActivationPrecision?, AttentionKind?)] = [
            (.direct, .int16, nil), (.direct, .int8, nil), (.direct, .int16, .fp32), (.dequant, nil, nil)]
        for (kind, activations, attention) in paths {
            let backend = makeLinearBackend(kind, attention: attention, activations: activations)
            let sampler = FlowSampler(model: try DiT(bundle: fixture.bundle, backend: backend))
            let label = "\(kind.rawValue) \(activations?.rawValue ?? "fp32") activations, \(backend.attention.rawValue) attention"
            var first: [UInt32]?
            for threads in [1, 2, 3, 5] {
                ComputeThreads.configure(threads)
                let mel = try sampler.sample(cond: cond, condFrames: fixture.refFrames, textIDs: fixture.text, totalFrames: 400,
                                             options: options, noise: .generator(.torch(seed: 7))).mel
                XCTAssertTrue(mel.allSatisfy(\.isFinite), label)
                let bits = mel.map(\.bitPattern)
                if let first {
                    let differing = zip(first, bits).filter { $0 != $1 }.count
                    XCTAssertEqual(differing, 0, "\(label): \(threads) threads differ from 1 thread in \(differing) of \(bits.count) values")
                } else {
                    first = bits
                }
            }
        }
    }
}

extension ThreadCountTests {
    /// Two syntheses side by side, each on its own thread budget (as `--workers 2` runs them), give the bits of
    /// one synthesis on all threads.
    func testSideBySideSynthesesGiveTheSameBits() throws {
        let fixture = try ModelFixtures.Convention("heavy")
        let cond = try fixture.tensor("cond")
        let sampler = FlowSampler(model: try DiT(bundle: fixture.bundle, backend: makeLinearBackend(.direct)))
        let options = SamplerOptions(steps: 2, cfg: 2, sway: -1, method: .euler)
        func sample(seed: UInt64) throws -> [UInt32] {
            try sampler.sample(cond: cond, condFrames: fixture.refFrames, textIDs: fixture.text, totalFrames: 300, options: options,
                               noise: .generator(.torch(seed: seed))).mel.map(\.bitPattern)
        }
        let alone = try [1, 2].map { try sample(seed: $0) }
        // Unchecked on purpose: two syntheses on one model at once is what this test checks.
        struct Synthesis: @unchecked Sendable { let run: (UInt64) throws -> [UInt32] }
        let synthesis = Synthesis(run: sample), results = Mutex<[UInt64: [UInt32]]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let seed = UInt64(i + 1)
            let mel = ComputeThreads.withThreads(1) { try? synthesis.run(seed) }
            results.withLock { $0[seed] = mel }
        }
        let sideBySide = results.withLock { $0 }
        XCTAssertEqual(sideBySide[1], alone[0])
        XCTAssertEqual(sideBySide[2], alone[1])
    }
}
