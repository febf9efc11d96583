import F5Audio
import Foundation

/// A reference "voice" made in code, so the demo and the benchmarks need no file: 4 s of hummed
/// syllables (a glottal-like harmonic series under a syllable envelope) with its transcript.
/// Synthetic weights make noise-like audio whatever the reference, so only its length matters there.
public enum BuiltinVoice {
    public static let transcript = "This built in voice is a synthetic hum, not a person speaking."
    public static let sampleRate = 24000

    public static func audio(seconds: Double = 4) -> DecodedAudio {
        let count = Int(seconds * Double(sampleRate))
        let syllable = 0.26, gap = 0.06
        var samples = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let t = Double(i) / Double(sampleRate)
            let phaseInSyllable = t.truncatingRemainder(dividingBy: syllable + gap)
            guard phaseInSyllable < syllable, t > 0.15, t < seconds - 0.15 else { continue }
            let envelope = sin(Double.pi * phaseInSyllable / syllable)
            let index = Int(t / (syllable + gap))
            let f0 = 120 + 25 * sin(Double(index) * 1.7)  // intonation moves from syllable to syllable
            var value = 0.0
            for h in 1...12 { value += sin(2 * Double.pi * f0 * Double(h) * t) / Double(h) }
            samples[i] = Int32((0.25 * envelope * value * 32767 / 2).rounded())
        }
        return DecodedAudio(sampleRate: sampleRate, channels: 1, sampleWidth: 2, samples: samples)
    }
}
