import ArgumentParser
import F5Audio
import F5Bundle
import F5Compute
import F5TTS
import Foundation

struct VocodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocode", abstract: "Turn a mel spectrogram (.npy, float32 [100, T]) into audio with a Vocos bundle.")

    @Option(help: "Vocos bundle folder.")
    var vocoder: String

    @Option(help: "Mel spectrogram: float32 .npy of shape [100, T] or [1, 100, T] (natural-log magnitudes).")
    var mel: String

    @Option(help: "Output file (.wav, .flac, or - for stdout).")
    var output: String

    @Option(help: "wav, flac or raw (default: from the output's extension; wav for stdout).")
    var format: AudioFormat?

    @Option(name: .customLong("sample-format"), help: "pcm16 or float32.")
    var sampleFormat: SampleFormat = .pcm16

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try checkWritable(output, option: "--output")
        let backend = compute.prepare()
        let clock = Stopwatch()
        let bundle = try WeightBundle.load(path: vocoder)
        let vocos = try Vocoder(bundle: bundle, backend: backend)
        let (values, frames) = try NumpyFile.readMel(path: mel, channels: vocos.architecture.inputChannels)
        let samples = try vocos.decode(mel: values, frames: frames)
        try AudioWriter.write(samples: samples, sampleRate: vocos.architecture.sampleRate, to: output,
                              format: format ?? (output == "-" ? .wav : nil), sampleFormat: sampleFormat)
        if compute.verbose {
            let seconds = Double(samples.count) / Double(vocos.architecture.sampleRate)
            Log.info(String(format: "vocoded %d frames to %.2f s of audio in %.2f s", frames, seconds, clock.elapsed)
                     + " (\(backend.name) backend)")
        }
    }
}

