import F5Compute
import Foundation

/// `CFM.sample` of the reference for one utterance: the duration rule, noise, time grid (EPSS, sway),
/// a fixed-grid ODE solve with classifier-free guidance, and the reference frames restored at the end.
public final class FlowSampler {
    /// `CFM.sample`'s max_duration.
    public static let maxDuration = 65536
    /// Guidance below this strength runs the cond branch only (as the reference).
    public static let guidanceThreshold: Float = 1e-5
    public let model: DiT

    public init(model: DiT) { self.model = model }

    /// The reference's frame count: max(max(text tokens, condFrames) + 1, requested), at most
    /// `maxDuration`. Tokens are the ids that are not -1.
    public static func frameCount(condFrames: Int, textIDs: [Int32], requestedFrames: Int) -> Int {
        let tokens = textIDs.filter { $0 != -1 }.count
        return min(max(max(tokens, condFrames) + 1, requestedFrames), maxDuration)
    }

    /// Samples a mel [frames, melDim] where frames = `frameCount(condFrames:textIDs:requestedFrames: totalFrames)`.
    /// `cond` is the reference mel [condFrames, melDim]; `textIDs` are vocabulary ids (-1 = filler),
    /// reference text followed by the text to speak. `noise` must hold frames * melDim values when given.
    /// `editMask` (speech editing, one flag per cond frame) keeps the reference only where it is true: the
    /// model sees zeros elsewhere and those frames are generated (the reference's `cond_mask & edit_mask`).
    /// `progress(step, steps)` is called after each step; `shouldStop` before each, and a true answer
    /// throws `CancellationError` (a cancelled synthesis stops within one step).
    public func sample(cond: [Float], condFrames: Int, textIDs: [Int32], totalFrames: Int, options: SamplerOptions = SamplerOptions(),
                       noise: Noise = .generator(.torch(seed: 0)), editMask: [Bool]? = nil, shouldStop: (() -> Bool)? = nil,
                       progress: ((Int, Int) -> Void)? = nil) throws -> SamplerResult {
        let clock = Stopwatch()
        let mel = model.architecture.melDim
        guard options.steps >= 1 else { throw ModelError.invalidArgument(argument: "steps", expected: "at least 1", found: "\(options.steps)") }
        guard options.cfg.isFinite else { throw ModelError.invalidArgument(argument: "cfg", expected: "a finite number", found: "\(options.cfg)") }
        if let sway = options.sway, !sway.isFinite {
            throw ModelError.invalidArgument(argument: "sway", expected: "a finite number or none", found: "\(sway)")
        }
        guard condFrames >= 0 else { throw ModelError.invalidArgument(argument: "condFrames", expected: "at least 0", found: "\(condFrames)") }
        if let editMask, editMask.count != condFrames {
            throw ModelError.wrongCount(argument: "editMask", expected: condFrames, found: editMask.count)
        }
        // Frames the reference keeps: all of cond, or only those the edit mask keeps.
        var kept = cond
        if let editMask {
            for (frame, keep) in editMask.enumerated() where !keep {
                kept.replaceSubrange((frame * mel)..<((frame + 1) * mel), with: repeatElement(0, count: mel))
            }
        }
        let frames = Self.frameCount(condFrames: condFrames, textIDs: textIDs, requestedFrames: totalFrames)
        let count = frames * mel
        let y0: [Float]
        switch noise {
        case let .values(values):
            guard values.count == count else { throw ModelError.wrongCount(argument: "noise", expected: count, found: values.count) }
            y0 = values
        case let .generator(generator):
            y0 = generator.noise(frames: frames, channels: mel)
        }

        let grid = TimeGrid.timesteps(steps: options.steps, sway: options.sway, useEPSS: options.useEPSS)
        let evaluationTimes: [Float] = (0..<options.steps).flatMap { k -> [Float] in
            switch options.method {
            case .euler: return [grid[k]]
            case .midpoint: return [grid[k], grid[k] + 0.5 * (grid[k + 1] - grid[k])]
            }
        }
        let guidance = options.cfg >= Self.guidanceThreshold
        let session = try model.prepare(cond: kept, condFrames: condFrames, textIDs: textIDs, frames: frames,
                                        times: evaluationTimes, guidance: guidance)
        var timings = session.timings

        let y = FloatBuffer(y0), yMid = FloatBuffer(count)
        let raw = FloatBuffer(session.batch * count)
        // f(t, x) = pred + (pred - null) * cfg from one packed forward of both branches, handed to `update` per
        // value in one region (the guidance and the ODE update in one pass).
        func flow(_ timeIndex: Int, _ x: UnsafePointer<Float>, _ name: String, update: (Int, Float) -> Void) {
            session.velocity(x: x, timeIndex: timeIndex, into: raw.pointer)
            let pred = raw.pointer, null = raw.pointer + count
            StepTrace.stage("sampler")
            ComputeThreads.parallelChunks(name, count: count, grain: Pointwise.chunk, bytes: 16 * count) { range in
                if guidance {
                    for i in range { update(i, pred[i] + (pred[i] - null[i]) * options.cfg) }
                } else {
                    for i in range { update(i, pred[i]) }
                }
            }
        }

        for k in 0..<options.steps {
            if shouldStop?() == true { throw CancellationError() }
            let step = Stopwatch()
            StepTrace.stepBegins(k)
            let dt = grid[k + 1] - grid[k]
            switch options.method {
            case .euler:
                flow(k, y.pointer, "sampler.euler") { i, f in y.pointer[i] += dt * f }
            case .midpoint:
                let halfDt = 0.5 * dt
                flow(2 * k, y.pointer, "sampler.midpoint") { i, f in yMid.pointer[i] = y.pointer[i] + f * halfDt }
                flow(2 * k + 1, yMid.pointer, "sampler.midpoint") { i, f in y.pointer[i] += dt * f }
            }
            StepTrace.stepEnds(k)
            timings.stepSeconds.append(step.elapsed)
            progress?(k + 1, options.steps)
        }

        var out = y.array
        if let editMask {
            for (frame, keep) in editMask.enumerated() where keep {
                out.replaceSubrange((frame * mel)..<((frame + 1) * mel), with: cond[(frame * mel)..<((frame + 1) * mel)])
            }
        } else {
            out.replaceSubrange(0..<(condFrames * mel), with: cond)
        }
        timings.total = clock.elapsed
        return SamplerResult(mel: out, frames: frames, timings: timings)
    }
}
