import F5Bundle
import F5Compute

/// The F5-TTS DiT backbone (`f5_tts.model.backbones.dit.DiT`) with every dimension from the bundle
/// manifest, v0 and v1 conventions. Linear layers run on any `LinearBackend`.
public final class DiT {
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
