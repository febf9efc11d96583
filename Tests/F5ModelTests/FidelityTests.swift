import F5Bundle
import F5Compute
import F5Model
import F5TestSupport
import XCTest

/// The DiT and the sampler against the real f5-tts package on tiny random models (v0 and v1), with
/// the same (dequantized) weights on both sides.
final class FidelityTests: XCTestCase {
    static let intermediateTolerance = 1e-4
    static let dequantSNR = 80.0
    static let directSNR = 36.0

    func testIntermediatesV0() throws { try checkIntermediates("v0") }
    func testIntermediatesV1() throws { try checkIntermediates("v1") }
    func testSamplerDequantV0() throws { try checkRuns("v0", backend: .dequant, minimumSNR: Self.dequantSNR) }
    func testSamplerDequantV1() throws { try checkRuns("v1", backend: .dequant, minimumSNR: Self.dequantSNR) }
    func testSamplerDirectV0() throws { try checkRuns("v0", backend: .direct, minimumSNR: Self.directSNR) }
    func testSamplerDirectV1() throws { try checkRuns("v1", backend: .direct, minimumSNR: Self.directSNR) }
    func testSamplerDirectFP32AttentionV0() throws { try checkRuns("v0", backend: .direct, attention: .fp32, minimumSNR: Self.directSNR) }
    func testSamplerDirectFP32AttentionV1() throws { try checkRuns("v1", backend: .direct, attention: .fp32, minimumSNR: Self.directSNR) }

    /// Heavy-tailed weights with outlier input channels (make_heavy_fixture.py).
    func testHeavyTailedWeightsEachPathAtLeastAsCloseAsFP16() throws { try checkAgainstFP16("heavy") }

    /// A small DiT trained on espeak-ng speech, on a real reference mel and text (make_trained_fixture.py).
    func testTrainedWeightsEachPathAtLeastAsCloseAsFP16() throws { try checkAgainstFP16("trained") }

    /// Against PyTorch fp32 on the same weights and noise, each path must come at least as close as PyTorch's
    /// own fp16 inference (how F5-TTS runs on GPUs) does, over the generated frames.
    private func checkAgainstFP16(_ tag: String) throws {
        let fixture = try ModelFixtures.Convention(tag)
        let cond = try fixture.tensor("cond"), noise = try fixture.tensor("noise")
        let generated = (fixture.refFrames * 100)...
        for kind in BackendKind.allCases {
            let backend = makeLinearBackend(kind)
            let sampler = FlowSampler(model: try DiT(bundle: fixture.bundle, backend: backend))
            for (name, run) in fixture.runs.sorted(by: { $0.key < $1.key }) {
                let options = SamplerOptions(steps: run["steps"] as! Int, cfg: Float(run["cfg"] as! Double), sway: Float(run["sway"] as! Double),
                                             method: ODEMethod(rawValue: run["method"] as! String)!)
                let result = try sampler.sample(cond: cond, condFrames: fixture.refFrames, textIDs: fixture.text,
                                                totalFrames: fixture.duration, options: options, noise: .values(noise))
                let fp32 = try fixture.tensor("final_fp32_\(name)"), fp16 = try fixture.tensor("final_fp16_\(name)")
                let ours = snr(Array(result.mel[generated]), reference: Array(fp32[generated]))
                let bar = snr(Array(fp16[generated]), reference: Array(fp32[generated]))
                print("[\(tag) \(kind.rawValue)/\(backend.attention.rawValue)] \(name): \(ours) dB against fp32; PyTorch fp16 \(bar) dB")
                XCTAssertGreaterThanOrEqual(ours, bar, "\(tag) \(kind.rawValue) \(name)")
            }
        }
    }

    private func checkIntermediates(_ tag: String) throws {
        let fixture = try ModelFixtures.Convention(tag)
        let model = try DiT(bundle: fixture.bundle, backend: makeLinearBackend(.dequant))
        let cond = try fixture.tensor("cond"), noise = try fixture.tensor("noise")
        let session = try model.prepare(cond: cond, condFrames: fixture.refFrames, textIDs: fixture.text, frames: fixture.frames,
                                        times: [fixture.time], guidance: true)
        let textEmbedding = try session.textEmbedding(branch: 0) + session.textEmbedding(branch: 1)
        var stages: [DiTStage: [Float]] = [:]
        let velocity = try session.velocity(x: noise, timeIndex: 0) { stage, values in
            if stage == .inputEmbedding || stage == .block(0) { stages[stage] = Array(values) }
        }
        let checks: [(String, [Float])] = [("text_embed", textEmbedding), ("input_embed", stages[.inputEmbedding] ?? []),
                                           ("block0", stages[.block(0)] ?? []), ("velocity", velocity)]
        for (name, ours) in checks {
            let error = maxRelativeError(ours, try fixture.tensor(name))
            print("[\(tag)] \(name): max relative error \(error)")
            XCTAssertLessThanOrEqual(error, Self.intermediateTolerance, "\(tag) \(name)")
        }
    }

    private func checkRuns(_ tag: String, backend kind: BackendKind, attention: AttentionKind? = nil, minimumSNR: Double) throws {
        let fixture = try ModelFixtures.Convention(tag)
        let backend = makeLinearBackend(kind, attention: attention)
        let sampler = FlowSampler(model: try DiT(bundle: fixture.bundle, backend: backend))
        let cond = try fixture.tensor("cond"), noise = try fixture.tensor("noise")
        for (name, run) in fixture.runs.sorted(by: { $0.key < $1.key }) {
            let options = SamplerOptions(steps: run["steps"] as! Int, cfg: Float(run["cfg"] as! Double), sway: Float(run["sway"] as! Double),
                                         method: ODEMethod(rawValue: run["method"] as! String)!)
            var progress: [Int] = []
            let result = try sampler.sample(cond: cond, condFrames: fixture.refFrames, textIDs: fixture.text, totalFrames: fixture.duration,
                                            options: options, noise: .values(noise), progress: { step, total in
                XCTAssertEqual(total, options.steps)
                progress.append(step)
            })
            XCTAssertEqual(result.frames, fixture.frames)
            XCTAssertEqual(progress, Array(1...options.steps))
            let value = snr(result.mel, reference: try fixture.tensor("final_\(name)"))
            print("[\(tag) \(kind.rawValue)/\(backend.attention.rawValue)] final_\(name): SNR \(value) dB")
            XCTAssertGreaterThanOrEqual(value, minimumSNR, "\(tag) \(kind.rawValue)/\(backend.attention.rawValue) \(name)")
        }
    }
}
