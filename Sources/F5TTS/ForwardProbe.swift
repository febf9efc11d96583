import F5Model
import Foundation

/// What one DiT forward computes at its stages, for comparing execution paths on the same inputs.
public struct ForwardProbe: Sendable {
    /// A stage's output: the text embedding of both branches, block 0, the last block, the velocity.
    public enum Stage: String, CaseIterable, Codable, Sendable {
        case textEmbedding = "text_embedding", firstBlock = "block_0", lastBlock = "last_block", velocity
    }

    public var values: [Stage: [Float]]

    public init(values: [Stage: [Float]]) { self.values = values }
}

extension Synthesizer {
    /// One DiT forward of the first chunk of `text`, at the first sampling time and on the noise that
    /// `generate` starts from, with every `ForwardProbe.Stage` kept. Two paths given the same model and
    /// options see the same inputs, so their probes differ only by their arithmetic.
    public func probe(text: String, voice: Voice, options: SynthesisOptions = SynthesisOptions()) throws -> ForwardProbe {
        let plan = try self.plan(text: text, voice: voice, options: options)
        return try inLane { try F5TTSError.wrapping {
            let chunk = plan.chunks[0], sampler = options.samplerOptions
            let frames = FlowSampler.frameCount(condFrames: voice.melFrames, textIDs: chunk.tokenIDs, requestedFrames: chunk.frames)
            let noise = options.noise(chunk: 0).noise(frames: frames, channels: model.architecture.melDim)
            let firstTime = TimeGrid.timesteps(steps: sampler.steps, sway: sampler.sway, useEPSS: sampler.useEPSS)[0]
            let guidance = sampler.cfg >= FlowSampler.guidanceThreshold
            let session = try model.prepare(cond: voice.mel, condFrames: voice.melFrames, textIDs: chunk.tokenIDs,
                                            frames: frames, times: [firstTime], guidance: guidance)
            var values: [ForwardProbe.Stage: [Float]] = [:]
            values[.textEmbedding] = try (0..<session.batch).flatMap { try session.textEmbedding(branch: $0) }
            let last = model.architecture.depth - 1
            values[.velocity] = try session.velocity(x: noise, timeIndex: 0) { stage, output in
                if stage == .block(0) { values[.firstBlock] = Array(output) }
                if stage == .block(last) { values[.lastBlock] = Array(output) }
            }
            return ForwardProbe(values: values)
        } }
    }
}
