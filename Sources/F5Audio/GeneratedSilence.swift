import Foundation

/// Post-processing F5-TTS applies to a finished generation.
public enum GeneratedAudio {
    /// `split_on_silence` parameters of `remove_silence_for_generated_wav` (f5-tts 1.1.22,
    /// `f5_tts/infer/utils_infer.py`).
    static let minSilence = 1000, silenceThreshold = -50.0, keepSilence = 500, seekStep = 10

    /// F5-TTS's `remove_silence_for_generated_wav` (f5-tts 1.1.22) on the wave `infer_cli.py` writes
    /// with `sf.write` (WAV, PCM_16): pydub's `split_on_silence` (1 s at -50 dBFS, 500 ms kept,
    /// 10 ms steps), the pieces appended to `AudioSegment.silent(duration=0)`, exported as WAV.
    ///
    /// Returns the rewritten file's samples read back as float (int16 / 32768) and its rate. The rate
    /// is not always `sampleRate`: pydub's `+` brings both operands to the higher rate, and the
    /// empty starting segment is 11025 Hz, so an all-silent wave gives no samples at 11025 Hz and
    /// waves below 11025 Hz come back resampled (audioop.ratecv, piece by piece) to 11025 Hz.
    public static func removingSilence(_ samples: [Float], sampleRate: Int) -> (samples: [Float], sampleRate: Int) {
        precondition(sampleRate > 0, "sample rate must be positive")
        let file = AudioSegment(samples: samples.map(AudioWriter.pcm16), channels: 1, frameRate: sampleRate, sampleWidth: 2)
        let pieces = Silence.splitOnSilence(file, minLength: minSilence, threshold: silenceThreshold,
                                            keepSilence: keepSilence, seekStep: seekStep)
        // `wave += piece` from the empty segment: every piece is synced to the same target on its own
        // (ratecv starts without state each time), so appending each `empty + piece` is the same
        // result without rebuilding the growing wave.
        let start = AudioSegment.silent(milliseconds: 0)
        var rate = start.frameRate
        var out: [Int32] = []
        for piece in pieces {
            let synced = start + piece
            rate = synced.frameRate
            out.append(contentsOf: synced.samples)
        }
        return (out.map { Float($0) / 32768 }, rate)
    }
}
