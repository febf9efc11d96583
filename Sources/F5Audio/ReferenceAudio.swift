import Foundation

/// A reference clip prepared as F5-TTS prepares it, ready for the mel spectrogram.
public struct PreparedReference: Sendable {
    /// Mono float32 samples at `sampleRate` (24 kHz), quiet clips raised to the target RMS.
    public let samples: [Float]
    public let sampleRate: Int
    /// RMS of the mono clip before any boost (F5's `rms`).
    public let rms: Float
    /// The factor the clip was multiplied by: `targetRMS / rms` when quieter than the target, else 1.
    public let gain: Float
    /// The loudness quiet clips were raised to (F5's `target_rms`).
    public let targetRMS: Float
    /// Rate and length of the clipped, trimmed and padded clip before resampling (F5 measures the
    /// reference duration for text chunking from this).
    public let sourceSampleRate: Int
    public let sourceFrames: Int
    /// Milliseconds trimmed from the start and the end of the clip at -42 dBFS.
    public let trimmedLeading: Int
    public let trimmedTrailing: Int

    public var sourceSeconds: Double { Double(sourceFrames) / Double(sourceSampleRate) }

    public init(samples: [Float], sampleRate: Int, rms: Float, gain: Float, targetRMS: Float, sourceSampleRate: Int,
                sourceFrames: Int, trimmedLeading: Int, trimmedTrailing: Int) {
        self.samples = samples; self.sampleRate = sampleRate; self.rms = rms; self.gain = gain; self.targetRMS = targetRMS
        self.sourceSampleRate = sourceSampleRate; self.sourceFrames = sourceFrames
        self.trimmedLeading = trimmedLeading; self.trimmedTrailing = trimmedTrailing
    }

    /// Undoes the loudness boost on generated audio the way F5 does: `wave * rms / targetRMS`.
    public func restoreLoudness(_ wave: inout [Float]) {
        guard rms < targetRMS else { return }
        for i in wave.indices { wave[i] = wave[i] * rms / targetRMS }
    }
}

/// `preprocess_ref_audio_text` (pydub: long-silence clipping to 12 s, edge trimming at -42 dBFS,
/// 50 ms of silence) followed by `infer_batch_process`'s channel mean, RMS boost and resampling.
public enum ReferenceAudio {
    /// F5's `target_rms` default.
    public static let defaultTargetRMS: Float = 0.1
    public static let targetSampleRate = 24000
    public static let minimumSeconds = 0.5
    public static let edgeThreshold = -42.0
    /// The longest clip a reference may be. F5-TTS keeps at most ~12 s of it (`clipLongSilences`); longer
    /// clips are refused from their header instead of being decoded whole.
    public static let maximumSeconds = 30.0
    public static let budget = AudioFile.Budget(seconds: maximumSeconds)
    /// Speech editing regenerates the whole clip in one pass, so it may be as long as the model's 8192 mel
    /// frames (87 s at 24 kHz, hop 256) and no longer.
    public static let editBudget = AudioFile.Budget(seconds: 87)

    public static func prepare(path: String, targetRMS: Float = defaultTargetRMS) throws -> PreparedReference {
        try prepare(AudioFile.read(path: path, budget: budget), name: path, targetRMS: targetRMS)
    }

    /// `name` is only used in error messages.
    public static func prepare(_ audio: DecodedAudio, name: String, targetRMS: Float = defaultTargetRMS) throws -> PreparedReference {
        guard audio.frames > 0 else { throw AudioError.empty(file: name) }
        guard audio.seconds >= minimumSeconds else {
            throw AudioError.tooShort(file: name, seconds: audio.seconds, minimum: minimumSeconds)
        }
        let clipped = clipLongSilences(AudioSegment(audio))
        guard clipped.frameCount > 0 else { throw AudioError.silent(file: name, thresholdDBFS: -50) }
        let (trimmed, leading, trailing) = removeSilenceEdges(clipped)
        guard trimmed.frameCount > 0 else { throw AudioError.silent(file: name, thresholdDBFS: edgeThreshold) }
        let clip = trimmed + AudioSegment.silent(milliseconds: 50)
        return try normalised(clip, name: name, targetRMS: targetRMS, trimmed: (leading, trailing))
    }

    /// Only `infer_batch_process`'s part (channel mean, RMS boost, resampling), as `speech_edit.py` loads the
    /// audio it edits: no silence clipping or trimming.
    public static func prepareUntrimmed(_ audio: DecodedAudio, name: String, targetRMS: Float = defaultTargetRMS) throws -> PreparedReference {
        guard audio.frames > 0 else { throw AudioError.empty(file: name) }
        return try normalised(AudioSegment(audio), name: name, targetRMS: targetRMS, trimmed: (0, 0))
    }

    private static func normalised(_ clip: AudioSegment, name: String, targetRMS: Float, trimmed: (Int, Int)) throws -> PreparedReference {
        var mono = monoFloats(clip)
        var sumSquares = 0.0
        for v in mono { sumSquares += Double(v) * Double(v) }
        let rms = Float((sumSquares / Double(mono.count)).squareRoot())
        guard rms > 0 else { throw AudioError.silent(file: name, thresholdDBFS: edgeThreshold) }
        var gain: Float = 1
        if rms < targetRMS {
            gain = targetRMS / rms
            for i in mono.indices { mono[i] = mono[i] * targetRMS / rms }
        }
        let samples = Resampler(from: clip.frameRate, to: targetSampleRate)(mono)
        return PreparedReference(samples: samples, sampleRate: targetSampleRate, rms: rms, gain: gain, targetRMS: targetRMS,
                                 sourceSampleRate: clip.frameRate, sourceFrames: clip.frameCount,
                                 trimmedLeading: trimmed.0, trimmedTrailing: trimmed.1)
    }

    /// Keeps at most ~12 s: non-silent pieces (1 s silences at -50 dBFS, then 0.1 s at -40 dBFS) are
    /// concatenated until adding one would pass 12 s after 6 s; failing that, a hard cut at 12 s.
    static func clipLongSilences(_ audio: AudioSegment) -> AudioSegment {
        func assemble(minLength: Int, threshold: Double) -> AudioSegment {
            var wave = AudioSegment.silent(milliseconds: 0)
            for piece in Silence.splitOnSilence(audio, minLength: minLength, threshold: threshold, keepSilence: 1000, seekStep: 10) {
                let longer = wave + piece
                if wave.length > 6000 && longer.length > 12000 { break }
                wave = longer
            }
            return wave
        }
        var wave = assemble(minLength: 1000, threshold: -50)
        if wave.length > 12000 { wave = assemble(minLength: 100, threshold: -40) }
        if wave.length > 12000 { wave = wave.slice(0, 12000) }
        return wave
    }

    /// `remove_silence_edges`: leading and trailing 10 ms chunks below -42 dBFS; returns the trimmed ms too.
    static func removeSilenceEdges(_ audio: AudioSegment) -> (AudioSegment, Int, Int) {
        let leading = Silence.leadingSilence(audio, threshold: edgeThreshold)
        var trimmed = audio.slice(leading, audio.length)
        let trailing = Silence.leadingSilence(trimmed.reversed(), threshold: edgeThreshold)
        if trailing > 0 { trimmed = trimmed.slice(0, trimmed.length - trailing) }
        return (trimmed, leading, trailing)
    }

    /// The exported WAV read back as float32 (value / 2^(bits−1)), channels averaged like `torch.mean(dim=0)`.
    static func monoFloats(_ clip: AudioSegment) -> [Float] {
        let scale = Float(1) / Float(UInt64(1) << (8 * clip.sampleWidth - 1))
        let channels = clip.channels
        return clip.samples.withUnsafeBufferPointer { s in
            (0..<clip.frameCount).map { f in
                var sum: Float = 0
                for c in 0..<channels { sum += Float(s[f * channels + c]) * scale }
                return channels == 1 ? sum : sum / Float(channels)
            }
        }
    }
}
