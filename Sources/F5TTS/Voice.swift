import F5Audio
import F5Text
import Foundation

/// A reference voice ready to speak with: the clip prepared as F5-TTS prepares it (silences clipped,
/// edges trimmed, loudness raised, resampled to 24 kHz), its transcript and its mel spectrogram. Made by
/// `Synthesizer.prepareVoice`; a value, so it can be cached and reused for any number of syntheses.
public struct Voice: Sendable {
    /// The prepared clip.
    public let reference: PreparedReference
    /// What is said in the clip (`ref_text`).
    public let transcript: String
    /// The clip's mel spectrogram [frames, melDim], frame-major: what the model is conditioned on.
    public let mel: [Float]
    public let melFrames: Int
    /// Seconds it took to prepare (reported as `SynthesisTimings.reference` of every synthesis with it).
    public let preparationSeconds: Double
}

/// One piece of a streamed synthesis.
public struct AudioChunk: Sendable {
    /// Mono float samples that follow the previous chunk's; all chunks together equal the one-shot audio.
    public var samples: [Float]
    public var sampleRate: Int
    /// The text chunk whose sampling released these samples (0-based).
    public var textChunk: Int
    /// Whether this is the last piece.
    public var isLast: Bool
}

/// The outcome of one synthesis.
public struct SynthesisResult: Sendable {
    /// Mono float samples at `sampleRate`.
    public var audio: [Float]
    public var sampleRate: Int
    /// [melDim, melFrames] channel-major, as the reference's combined spectrogram.
    public var mel: [Float]
    public var melFrames: Int
    /// The chunks as planned (text, token ids, frames).
    public var plan: SynthesisPlan
    /// Where the time went, load and reference preparation included.
    public var timings: SynthesisTimings
}
