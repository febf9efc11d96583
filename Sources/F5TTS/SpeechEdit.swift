import F5Audio
import F5Compute
import F5Model
import F5Text
import Foundation

/// One span of a recording to say again, in seconds of the original.
public struct EditPart: Codable, Equatable, Sendable {
    /// Where the span starts and ends.
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
    /// loudness raised, resampled, nothing trimmed) is turned into a mel, zero frames take the place of each
    /// part, and the model regenerates only those frames (the edit mask) while reading `newText`, the whole
    /// transcript of the result; the whole mel is vocoded. `noise` ([frames, melDim]) replaces the generated noise.
    public func edit(audio: DecodedAudio, name: String, newText: String, parts: [EditPart],
                     options: SynthesisOptions = SynthesisOptions(), noise: [Float]? = nil,
                     progress: ((Progress) -> Void)? = nil) throws -> SynthesisResult {
        var clock = Stopwatch()
        let original = try prepareVoice(name: name, transcript: newText) {
            try ReferenceAudio.prepareUntrimmed(audio, name: name, targetRMS: Float(options.targetRMS))
        }
        let (cond, frames, mask) = try Self.splice(mel: original.mel, frames: original.melFrames, melDim: model.architecture.melDim,
                                                   parts: parts, hop: vocoder.architecture.hopLength, sampleRate: sampleRate)
        let voice = Voice(reference: original.reference, transcript: newText, mel: cond, melFrames: frames,
                          preparationSeconds: original.preparationSeconds + clock.lap())
        let ids = try F5TTSError.wrapping { vocabulary.ids(of: try frontEnd.tokens(for: newText)) }
        guard !ids.isEmpty else { throw F5TTSError.text(.emptyText(argument: "new text")) }
        // speech_edit.py asks for the conditioning's length; CFM.sample makes it one frame longer.
        let total = FlowSampler.frameCount(condFrames: frames, textIDs: ids, requestedFrames: frames)
        let plan = SynthesisPlan(refFrames: 0, chunks: [ChunkPlan(text: newText, tokenIDs: ids, frames: total)])
        let textSeconds = clock.lap()

        var audio: [Float] = []
        let output = try inLane {
            try run(plan: plan, voice: voice, options: options, noise: noise, progress: progress, editMask: mask) { piece, _ in
                audio += piece
            }
        }
        return output.result(audio: audio, sampleRate: sampleRate, plan: plan, textSeconds: textSeconds, elapsed: clock.elapsed)
    }

    /// The recording's mel ([frames, melDim]) with zero frames in place of `parts`, and the edit mask (true:
    /// keep), with `speech_edit.py`'s frame rounding: Python's round half to even of seconds × rate / hop,
    /// for each part's start, end and new length separately.
    static func splice(mel: [Float], frames: Int, melDim: Int, parts: [EditPart], hop: Int,
                       sampleRate: Int) throws -> (mel: [Float], frames: Int, mask: [Bool]) {
        func frame(_ seconds: Double) -> Int { Int((seconds * Double(sampleRate) / Double(hop)).rounded(.toNearestOrEven)) }
        var out: [Float] = []
        var mask: [Bool] = []
        var offset = 0
        for (index, part) in parts.enumerated() {
            let length = part.fixedDuration ?? (part.end - part.start)
            let seconds = String(format: "%.2f s", Double(frames) * Double(hop) / Double(sampleRate))
            guard part.start.isFinite, part.end.isFinite, length.isFinite, length >= 0,
                  frame(part.start) >= offset, frame(part.end) >= frame(part.start), frame(part.end) <= frames else {
                throw F5TTSError.invalidArgument(name: "part \(index + 1)", expected: "start-end seconds inside the recording "
                                                 + "(\(seconds)), in order and not overlapping",
                                                 found: "\(part.start)-\(part.end)" + (part.fixedDuration.map { " lasting \($0) s" } ?? ""))
            }
            let start = frame(part.start), newFrames = frame(length)
            out += mel[(offset * melDim)..<(start * melDim)]
            out += repeatElement(0, count: newFrames * melDim)
            mask += repeatElement(true, count: start - offset)
            mask += repeatElement(false, count: newFrames)
            offset = frame(part.end)
        }
        out += mel[(offset * melDim)...]
        let total = out.count / melDim
        mask += repeatElement(true, count: total - mask.count)
        return (out, total, mask)
    }
}
