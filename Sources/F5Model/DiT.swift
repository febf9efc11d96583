import Foundation
import F5Bundle
import F5Compute
import Synchronization

/// The F5-TTS DiT backbone (`f5_tts.model.backbones.dit.DiT`) with every dimension from the bundle
/// manifest, v0 and v1 conventions. Linear layers run on any `LinearBackend`.
public final class DiT: Sendable {
    public let architecture: F5Architecture
    /// Token ids the text embedding accepts: 0 ..< vocabularySize (-1 is filler).
    public var vocabularySize: Int { textEmbed.vocabularySize }
    public let backendName: String

    let timeEmbed: TimestepEmbedding
    let textEmbed: TextEmbedding
    let inputEmbed: InputEmbedding
    let transformerBlocks: [DiTBlock]
    let normOut: AdaLayerNormFinal
    let projOut: Linear
    /// The modulations of the last times asked for: every chunk of a text, and every synthesis with the
    /// same steps and sway, has the same times.
    private let lastModulations = Mutex<TimeModulations?>(nil)

    public init(bundle: WeightBundle, backend: any LinearBackend) throws {
        // The bundle validated the architecture when it was loaded.
        guard let a = bundle.f5Architecture else { throw ModelError.notAnF5Bundle(format: bundle.format) }
        let weights = ModelWeights(bundle: bundle, backend: backend)
        architecture = a
        backendName = backend.name
        timeEmbed = try TimestepEmbedding(weights, dim: a.dim)
        textEmbed = try TextEmbedding(weights, architecture: a)
        inputEmbed = try InputEmbedding(weights, architecture: a)
        transformerBlocks = try (0..<a.depth).map { try DiTBlock(weights, index: $0, architecture: a) }
        normOut = try AdaLayerNormFinal(weights, dim: a.dim)
        projOut = try weights.linear("proj_out", in: a.dim, out: a.melDim)
        weights.releaseMappedPages()
    }

    /// Every t-only quantity for `times`: blocks [times, depth, 6 dim], final [times, 2 dim].
    struct TimeModulations {
        let times: [Float]
        let blocks: FloatBuffer
        let final: FloatBuffer
    }

    /// The AdaLN modulations of every block and of the output for all `times` at once (M = times.count
    /// rows per GEMM), or the last ones when the times are the same.
    func modulations(times: [Float]) -> TimeModulations {
        lastModulations.withLock { last in
            if let last, last.times == times { return last }
            let computed = computeModulations(times: times)
            last = computed
            return computed
        }
    }

    private func computeModulations(times: [Float]) -> TimeModulations {
        let a = architecture, count = times.count, depth = a.depth
        let siluTime = FloatBuffer(count * a.dim)
        timeEmbed.forward(times, into: siluTime.pointer)
        Pointwise.apply(Elementwise.silu, siluTime.pointer, count: count * a.dim, name: "time_embed.silu")
        let blocks = FloatBuffer(count * depth * 6 * a.dim)
        let perBlock = FloatBuffer(count * 6 * a.dim)
        for (i, block) in transformerBlocks.enumerated() {
            block.attnNorm.modulations(siluTime: siluTime.pointer, rows: count, into: perBlock.pointer)
            for s in 0..<count {
                (blocks.pointer + (s * depth + i) * 6 * a.dim).update(from: perBlock.pointer + s * 6 * a.dim, count: 6 * a.dim)
            }
        }
        let final = FloatBuffer(count * 2 * a.dim)
        normOut.modulations(siluTime: siluTime.pointer, rows: count, into: final.pointer)
        return TimeModulations(times: times, blocks: blocks, final: final)
    }

    /// Caches everything that does not depend on x for one synthesis of `frames` frames: the text
    /// embeddings and the cond / text part of the input projection of each branch, the RoPE table,
    /// and the time embedding and every AdaLN modulation for each of `times`.
    /// `guidance`: two branches (cond, uncond) per forward, else the cond branch only.
    /// `cond` is [condFrames, melDim] frame-major; it is zero-padded to `frames`.
    public func prepare(cond: [Float], condFrames: Int, textIDs: [Int32], frames: Int, times: [Float],
                        guidance: Bool) throws -> DiTSession {
        guard frames >= 1 else { throw ModelError.invalidArgument(argument: "frames", expected: "at least 1", found: "\(frames)") }
        guard frames <= TextEmbedding.maxPositions else {
            throw ModelError.tooManyFrames(frames: frames, limit: TextEmbedding.maxPositions)
        }
        guard (0...frames).contains(condFrames) else {
            throw ModelError.invalidArgument(argument: "condFrames", expected: "0...\(frames) (frames)", found: "\(condFrames)")
        }
        guard cond.count == condFrames * architecture.melDim else {
            throw ModelError.wrongCount(argument: "cond", expected: condFrames * architecture.melDim, found: cond.count)
        }
        guard !times.isEmpty, times.allSatisfy(\.isFinite) else {
            throw ModelError.invalidArgument(argument: "times", expected: "at least one finite time", found: "\(times)")
        }
        if let bad = textIDs.firstIndex(where: { $0 < -1 || Int($0) >= vocabularySize }) {
            throw ModelError.tokenOutOfRange(position: bad, id: textIDs[bad], vocabularySize: vocabularySize)
        }
        return DiTSession(model: self, cond: cond, condFrames: condFrames, textIDs: textIDs, frames: frames, times: times,
                          batch: guidance ? 2 : 1)
    }
}
