import F5Audio
import F5Bundle
import F5Compute
import F5Model

// The lower modules' types that this API takes and returns, named here so that a program needs only
// `import F5TTS` (nothing is re-exported wholesale).

/// `Synthesizer(model:backend:...)`: the Q4 execution path, its attention and its activations.
public typealias BackendKind = F5Compute.BackendKind
public typealias AttentionKind = F5Compute.AttentionKind
public typealias ActivationPrecision = F5Compute.ActivationPrecision
/// `ModelFiles.locate(convention:)`: the RoPE / text-mask convention.
public typealias F5Convention = F5Bundle.F5Convention
/// `SynthesisOptions.method` and `.noiseGenerator`.
public typealias ODEMethod = F5Model.ODEMethod
public typealias NoiseGenerator = F5Model.NoiseGenerator
/// The formats results are written in (`SynthesisResult.write`, batch jobs, the server's responses).
public typealias AudioFormat = F5Audio.AudioFormat
public typealias SampleFormat = F5Audio.SampleFormat
/// The whole-file writer every output goes through.
public typealias AtomicFile = F5Bundle.AtomicFile

extension SynthesisResult {
    /// Writes the audio to `path` whole or not at all (`-`: standard output); the format from the
    /// extension unless given.
    public func write(to path: String, format: AudioFormat? = nil, sampleFormat: SampleFormat = .pcm16) throws {
        try F5TTSError.wrapping { try AudioWriter.write(samples: audio, sampleRate: sampleRate, to: path, format: format, sampleFormat: sampleFormat) }
    }
}
