import F5Audio
import F5Compute
import F5Model
import F5Text
import Foundation

/// One span of a recording to say again, in seconds of the original.
public struct EditPart: Codable, Equatable, Sendable {
    public var start: Double
    public var end: Double
    /// Seconds the new words get, instead of the span's own length (`fix_duration`).
    public var fixedDuration: Double?

    public init(start: Double, end: Double, fixedDuration: Double? = nil) {
        self.start = start; self.end = end; self.fixedDuration = fixedDuration
    }
}

extension Synthesizer {
    /// Speech editing as F5-TTS 1.1.22's `infer/speech_edit.py` does it: the recording (channels averaged,
    /// loudness raised, resampled, nothing trimmed) gets silence in place of each part, the model
    /// regenerates only those frames (the edit mask) while reading `newText`, the whole transcript of the
    /// result, and the whole mel is vocoded.
    /// `noise` ([frames, melDim]) replaces the generated noise.
    public func edit(audio: DecodedAudio, name: String, newText: String, parts: [EditPart],
                     options: SynthesisOptions = SynthesisOptions(), noise: [Float]? = nil,
                     progress: ((Progress) -> Void)? = nil) throws -> SynthesisResult {
        var clock = Stopwatch()
        var mask: [Bool] = []
        // The spliced recording is what the model is conditioned on, as a reference clip is.
        let voice = try prepareVoice(name: name, transcript: "") {
            let r = try ReferenceAudio.prepareUntrimmed(audio, name: name, targetRMS: Float(options.targetRMS))
            let spliced: [Float]
            (spliced, mask) = try Self.splice(r.samples, parts: parts, hop: hopLength)
            return PreparedReference(samples: spliced, sampleRate: r.sampleRate, rms: r.rms, gain: r.gain, targetRMS: r.targetRMS,
                                     sourceSampleRate: r.sampleRate, sourceFrames: spliced.count, trimmedLeading: 0, trimmedTrailing: 0)
        }
        let spliced = voice.reference.samples
        clock = Stopwatch()
        let ids = try F5TTSError.wrapping { vocabulary.ids(of: try frontEnd.tokens(for: newText, argument: "new text")) }
        guard !ids.isEmpty else { throw F5TTSError.text(.emptyText(argument: "new text")) }
        let frames = FlowSampler.frameCount(condFrames: voice.melFrames, textIDs: ids, requestedFrames: spliced.count / hopLength)
        let plan = SynthesisPlan(refFrames: 0, chunks: [ChunkPlan(text: newText, tokenIDs: ids, frames: frames)])
        let textSeconds = clock.lap()

        let result = try sample(voice: voice, textIDs: ids, frames: frames, editMask: mask, options: options, noise: noise,
                                progress: progress)
        var timings = result.timings
        timings.reference = voice.preparationSeconds
        timings.text += textSeconds
        timings.total = timings.load + timings.reference + textSeconds + clock.elapsed
        timings.audioSeconds = Double(result.audio.count) / Double(sampleRate)
        return SynthesisResult(audio: result.audio, sampleRate: sampleRate, mel: result.mel, melFrames: result.melFrames,
                               plan: plan, timings: timings)
    }

    /// The recording with `parts` replaced by silence, and the edit mask (true: keep) over its mel frames,
    /// with `speech_edit.py`'s roundings (Python's round half to even, on seconds × sample rate).
    static func splice(_ samples: [Float], parts: [EditPart], hop: Int, sampleRate: Int = 24000) throws -> ([Float], [Bool]) {
        func round(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }
        var out: [Float] = []
        var mask: [Bool] = []
        var offset = 0.0
        for (index, part) in parts.enumerated() {
            let length = part.fixedDuration ?? (part.end - part.start)
            guard part.start.isFinite, part.end.isFinite, part.start >= 0, part.end >= part.start,
                  part.start * Double(sampleRate) >= offset, length.isFinite, length >= 0 else {
                throw F5TTSError.invalidArgument(name: "part \(index + 1)", expected: "start-end seconds, in order, not overlapping",
                                                 found: "\(part.start)-\(part.end)" + (part.fixedDuration.map { " lasting \($0) s" } ?? ""))
            }
            guard round(part.end * Double(sampleRate)) <= samples.count else {
                throw F5TTSError.invalidArgument(name: "part \(index + 1)", expected: "a span inside the recording "
                                                 + String(format: "(%.2f s)", Double(samples.count) / Double(sampleRate)),
                                                 found: "\(part.start)-\(part.end)")
            }
            let start = part.start * Double(sampleRate), newSamples = length * Double(sampleRate)
            out += samples[round(offset)..<round(start)]
            out += repeatElement(0, count: round(newSamples))
            mask += repeatElement(true, count: round((start - offset) / Double(hop)))
            mask += repeatElement(false, count: round(newSamples / Double(hop)))
            offset = part.end * Double(sampleRate)
        }
        out += samples[round(offset)...]
        // F.pad(edit_mask, (0, len // hop - mask + 1), value=True): pads, or crops when negative.
        let frames = out.count / hop + 1
        if mask.count < frames { mask += repeatElement(true, count: frames - mask.count) } else { mask.removeLast(mask.count - frames) }
        return (out, mask)
    }

    var hopLength: Int { vocoder.architecture.hopLength }
}
