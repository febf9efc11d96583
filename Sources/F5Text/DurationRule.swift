/// How many mel frames each chunk gets: `infer_batch_process` (duration) and `CFM.sample` (final length).
public enum DurationRule {
    public static let sampleRate = 24000
    public static let hopLength = 256
    /// `CFM.sample(max_duration=65536)`: the reference clamps to this; the plan refuses to go above it.
    public static let maxFrames = 65536
    /// Chunks shorter than this many UTF-8 bytes are spoken at `shortChunkSpeed`, whatever the speed.
    public static let shortChunkBytes = 10
    public static let shortChunkSpeed = 0.3

    /// `ref_audio_len = audio.shape[-1] // hop_length`: the frames cut off the generated mel.
    public static func refAudioLength(samples: Int) -> Int { samples / hopLength }

    /// Mel frames of the reference (centred STFT): `1 + samples // hop_length`.
    public static func refMelFrames(samples: Int) -> Int { 1 + samples / hopLength }

    /// `ref_audio_len + int(ref_audio_len / ref_text_len * gen_text_len / local_speed)`, lengths in UTF-8
    /// bytes, ref text with its trailing spaces. Callers validate a finite positive speed.
    public static func duration(refAudioLength: Int, refTextBytes: Int, chunkBytes: Int, speed: Double) -> Int {
        let localSpeed = chunkBytes < shortChunkBytes ? shortChunkSpeed : speed
        let ratio = Double(refAudioLength) / Double(refTextBytes)
        return refAudioLength + PythonText.int(ratio * Double(chunkBytes) / localSpeed)
    }

    /// `int(fix_dur * target_sample_rate / hop_length)`.
    public static func duration(fixedSeconds: Double) -> Int {
        PythonText.int(fixedSeconds * Double(sampleRate) / Double(hopLength))
    }

    /// Seconds of each chunk (reference included) for a fixed total: with several chunks the reference
    /// shares the generated time by UTF-8 bytes, adding back the time the cross-fades overlap.
    public static func fixedSeconds(total: Double, chunkBytes: [Int], refAudioLength: Int,
                                    crossFadeDuration: Double) -> [Double] {
        guard chunkBytes.count > 1 else { return chunkBytes.map { _ in total } }
        let refSeconds = Double(refAudioLength * hopLength) / Double(sampleRate)
        let allocatable = (total - refSeconds) + crossFadeDuration * Double(chunkBytes.count - 1)
        let totalBytes = Double(chunkBytes.reduce(0, +))
        return chunkBytes.map { refSeconds + allocatable * Double($0) / totalBytes }
    }

    /// The frame count `CFM.sample` generates (reference included): at least one more than both the token
    /// count and the reference mel length, otherwise the requested duration (before the 65536 clamp).
    public static func totalFrames(tokenCount: Int, refMelFrames: Int, duration: Int) -> Int {
        max(max(tokenCount, refMelFrames) + 1, duration)
    }
}
