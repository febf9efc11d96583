import F5Bundle
import F5Compute
import Foundation

/// Where `DiTSession.velocity` can be observed (tests and debugging).
public enum DiTStage: Hashable, Sendable {
    /// Output of the input embedding, [batch * frames, dim].
    case inputEmbedding
    /// Output of transformer block i, [batch * frames, dim].
    case block(Int)
}

/// One synthesis' caches and buffers for a DiT: made by `DiT.prepare`, then `velocity` once per
/// function evaluation. Branch 0 is cond (reference audio + text), branch 1 (with guidance) uncond
/// (zero audio, filler text). Not thread-safe: one forward at a time.
public final class DiTSession {
    public let frames: Int
    /// 2 with guidance (cond, uncond), else 1.
    public let batch: Int
    /// Flow times the modulations were computed for; `velocity` takes an index into them.
    public let times: [Float]
    /// Seconds spent caching the x-independent parts (the preparation fields; no steps yet).
    public let timings: SamplerTimings

    let model: DiT
    let workspace: DiTWorkspace
    /// Recomputed by `textEmbedding(branch:)`: the embeddings are needed once, not kept.
    let textIDs: [Int32]
    /// proj([0 | cond | text]) per branch, [batch * frames, dim].
    let inputBase: FloatBuffer
    let rope: RotaryEmbedding.Table
    /// [times, depth, 6 dim].
    let blockModulations: FloatBuffer
    /// [times, 2 dim].
    let finalModulations: FloatBuffer

    init(model: DiT, cond: [Float], condFrames: Int, textIDs: [Int32], frames: Int, times: [Float], batch: Int) {
        let a = model.architecture
        self.model = model
        self.frames = frames
        self.batch = batch
        self.times = times
        var timings = SamplerTimings()
        rope = RotaryEmbedding.Table(frames: frames, headDim: a.dimHead)
        self.textIDs = textIDs

        var clock = Stopwatch()
        inputBase = FloatBuffer(batch * frames * a.dim)
        // Scoped, and before the workspace exists, so that these temporaries never add to the peak.
        do {
            let paddedCond = FloatBuffer(frames * a.melDim)
            cond.withUnsafeBufferPointer { c in
                if let base = c.baseAddress { paddedCond.pointer.update(from: base, count: condFrames * a.melDim) }
            }
            // One branch's text embedding at a time: it only feeds that branch's conditioning.
            let text = FloatBuffer(frames * a.textDim), scratch = FloatBuffer(Self.textScratchCount(a, frames: frames))
            for b in 0..<batch {
                model.textEmbed.forward(ids: textIDs, frames: frames, dropText: b == 1, into: text.pointer, scratch: scratch.pointer)
                timings.textEmbedding += clock.lap()
                model.inputEmbed.conditioning(cond: b == 0 ? paddedCond.pointer : nil, text: text.pointer,
                                              frames: frames, into: inputBase.pointer + b * frames * a.dim, scratch: scratch.pointer)
                timings.inputConditioning += clock.lap()
            }
        }

        let modulations = model.modulations(times: times)
        blockModulations = modulations.blocks
        finalModulations = modulations.final
        timings.timeModulation = clock.lap()
        self.timings = timings
        workspace = DiTWorkspace(architecture: a, frames: frames, batch: batch)
    }

    /// The text embedding of one branch (0 cond, 1 uncond), [frames, textDim].
    public func textEmbedding(branch: Int) throws -> [Float] {
        guard (0..<batch).contains(branch) else {
            throw ModelError.invalidArgument(argument: "branch", expected: "0..<\(batch)", found: "\(branch)")
        }
        let a = model.architecture
        let text = FloatBuffer(frames * a.textDim), scratch = FloatBuffer(Self.textScratchCount(a, frames: frames))
        model.textEmbed.forward(ids: textIDs, frames: frames, dropText: branch == 1, into: text.pointer, scratch: scratch.pointer)
        return text.array
    }

    /// Scratch floats of the text embedding and of the input conditioning.
    private static func textScratchCount(_ a: F5Architecture, frames: Int) -> Int {
        frames * max(3 * a.textDim, a.melDim + a.textDim)
    }

    /// DiT output for noisy mel x [frames, melDim] at `times[timeIndex]` (checked by the callers):
    /// out [batch * frames, melDim], cond branch first.
    func velocity(x: UnsafePointer<Float>, timeIndex: Int, into out: UnsafeMutablePointer<Float>,
                  observer: ((DiTStage, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        let a = model.architecture, w = workspace, rows = batch * frames
        let stream = UnsafeBufferPointer(start: w.residual, count: rows * a.dim)
        StepTrace.stage("input_embed")
        model.inputEmbed.forward(x: x, base: inputBase.pointer, frames: frames, batch: batch, into: w.residual, workspace: w)
        observer?(.inputEmbedding, stream)
        for (i, block) in model.transformerBlocks.enumerated() {
            StepTrace.stage("transformer_blocks.\(i)")
            let modulation = blockModulations.pointer + (timeIndex * a.depth + i) * 6 * a.dim
            block.forward(w.residual, frames: frames, batch: batch, modulation: modulation, rope: rope, workspace: w)
            observer?(.block(i), stream)
        }
        StepTrace.stage("norm_out")
        let modulation = finalModulations.pointer + timeIndex * 2 * a.dim, normOut = model.normOut
        LinearOperation.run("proj_out", layers: [model.projOut.layer], input: w.hidden, rows: rows, outputs: [out], prepare: { rows in
            normOut.forward(w.residual, rows: rows, modulation: modulation, into: w.hidden)
        })
    }

    /// DiT output for noisy mel x [frames, melDim] at `times[timeIndex]`: [batch * frames, melDim],
    /// cond branch first. Allocates its result (the sampler uses the in-place form).
    public func velocity(x: [Float], timeIndex: Int, observer: ((DiTStage, UnsafeBufferPointer<Float>) -> Void)? = nil) throws -> [Float] {
        let expected = frames * model.architecture.melDim
        guard x.count == expected else { throw ModelError.wrongCount(argument: "x", expected: expected, found: x.count) }
        guard times.indices.contains(timeIndex) else {
            throw ModelError.invalidArgument(argument: "timeIndex", expected: "0..<\(times.count)", found: "\(timeIndex)")
        }
        var out = [Float](repeating: 0, count: batch * expected)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { velocity(x: xp.baseAddress!, timeIndex: timeIndex, into: $0.baseAddress!, observer: observer) }
        }
        return out
    }
}
