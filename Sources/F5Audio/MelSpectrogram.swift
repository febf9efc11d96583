import Foundation

/// F5-TTS's `MelSpec` for `mel_spec_type = "vocos"` (`get_vocos_mel_spectrogram`): torchaudio
/// `MelSpectrogram(24000, n_fft 1024, hop 256, 100 HTK mels, power 1, center, reflect)` then
/// `log(clamp(mel, 1e-5))`. The filterbank is computed in float32 the way torchaudio computes it.
public struct MelSpec: Sendable {
    public let sampleRate: Int
    public let nFFT: Int
    public let hopLength: Int
    public let nMels: Int
    /// Periodic Hann window, float32 as `torch.hann_window` makes it.
    public let window: [Float]
    /// `[nFFT/2 + 1][nMels]`, as `melscale_fbanks` returns it.
    public let filterbank: [Float]
    private let fft: RealFFT

    public init(sampleRate: Int = 24000, nFFT: Int = 1024, hopLength: Int = 256, nMels: Int = 100) {
        self.sampleRate = sampleRate; self.nFFT = nFFT; self.hopLength = hopLength; self.nMels = nMels
        window = periodicHann(nFFT)
        filterbank = MelSpec.melFilterbank(bins: nFFT / 2 + 1, maxFrequency: Float(sampleRate / 2), nMels: nMels,
                                           sampleRate: sampleRate)
        fft = RealFFT(n: nFFT)
    }

    /// Frames for `length` samples with center padding.
    public func frameCount(samples length: Int) -> Int { 1 + length / hopLength }

    /// Log-mel spectrogram, frame-major `[frames][nMels]`.
    public func callAsFunction(_ x: [Float]) throws -> (mel: [Float], frames: Int) {
        let pad = nFFT / 2
        guard x.count > pad else {
            throw AudioError.invalidArgument(name: "mel spectrogram input", expected: "more than \(pad) samples",
                                             found: "\(x.count)")
        }
        let frames = frameCount(samples: x.count)
        let bins = nFFT / 2 + 1
        // Reflect padding (the edge sample is not repeated).
        var padded = [Double](repeating: 0, count: x.count + 2 * pad)
        for i in 0..<padded.count {
            var j = i - pad
            if j < 0 { j = -j } else if j >= x.count { j = 2 * (x.count - 1) - j }
            padded[i] = Double(x[j])
        }
        var mel = [Float](repeating: 0, count: frames * nMels)
        var frame = [Double](repeating: 0, count: nFFT)
        var re = [Double](repeating: 0, count: bins), im = re, magnitude = re
        padded.withUnsafeBufferPointer { src in
            window.withUnsafeBufferPointer { w in
                filterbank.withUnsafeBufferPointer { fb in
                    mel.withUnsafeMutableBufferPointer { out in
                        for t in 0..<frames {
                            let start = t * hopLength
                            for n in 0..<nFFT { frame[n] = src[start + n] * Double(w[n]) }
                            fft.forward(frame, re: &re, im: &im)
                            for k in 0..<bins { magnitude[k] = (re[k] * re[k] + im[k] * im[k]).squareRoot() }
                            for j in 0..<nMels {
                                var sum = 0.0
                                for k in 0..<bins { sum += Double(fb[k * nMels + j]) * magnitude[k] }
                                out[t * nMels + j] = log(max(Float(sum), 1e-5))
                            }
                        }
                    }
                }
            }
        }
        return (mel, frames)
    }

    /// `torchaudio.functional.melscale_fbanks(bins, 0, fMax, nMels, sr, norm=None, mel_scale="htk")` in float32.
    static func melFilterbank(bins: Int, maxFrequency: Float, nMels: Int, sampleRate: Int) -> [Float] {
        let allFreqs = linspace(0, Float(sampleRate / 2), bins)
        let mMax = 2595.0 * log10(1.0 + Double(maxFrequency) / 700.0)
        let mPts = linspace(0, Float(mMax), nMels + 2)
        // torch's vectorized pow is within 1 ulp of the correctly rounded 10^x used here.
        let fPts = mPts.map { m -> Float in 700 * (Float(pow(10, Double(m / 2595))) - 1) }
        let fDiff = (0..<(nMels + 1)).map { fPts[$0 + 1] - fPts[$0] }
        var fb = [Float](repeating: 0, count: bins * nMels)
        for k in 0..<bins {
            for j in 0..<nMels {
                let down = (-1 * (fPts[j] - allFreqs[k])) / fDiff[j]
                let up = (fPts[j + 2] - allFreqs[k]) / fDiff[j + 1]
                fb[k * nMels + j] = max(0, min(down, up))
            }
        }
        return fb
    }

    /// `torch.linspace` in float32: the first half counts up from `start`, the second down from `end`,
    /// each value one fused multiply-add (as the compiled kernel evaluates it).
    static func linspace(_ start: Float, _ end: Float, _ steps: Int) -> [Float] {
        let step = (end - start) / Float(steps - 1)
        return (0..<steps).map { i in
            i < steps / 2 ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - 1 - i))
        }
    }
}
