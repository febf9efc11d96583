import Foundation
import F5Compute

/// Vocos `ISTFTHead` (padding "center"): a linear layer to log-magnitude and phase, then `torch.istft`.
struct ISTFTHead {
    let out: any LinearLayer
    let istft: InverseSTFT

    /// `x` is `[frames][dim]`; returns `hop · (frames − 1)` samples.
    func callAsFunction(_ x: UnsafePointer<Float>, frames: Int) -> [Float] {
        let bins = istft.nFFT / 2 + 1
        var spectrum = [Float](repeating: 0, count: frames * 2 * bins)
        spectrum.withUnsafeMutableBufferPointer { out.forward(x, rows: frames, into: $0.baseAddress!) }
        return istft(spectrum, frames: frames)
    }
}

/// `torch.istft(S, n_fft, hop, win = n_fft, hann_window, center=True)` of Vocos' spectrum
/// S = min(exp(m), 100)·(cos p + i sin p). Each frame is a C2R inverse FFT (imaginary parts of
/// DC and Nyquist ignored) times the window, overlap-added and divided by the summed squared window.
public struct InverseSTFT: Sendable {
    public let nFFT: Int
    public let hopLength: Int
    private let window: [Double]
    private let fft: RealFFT

    public init(nFFT: Int, hopLength: Int) {
        self.nFFT = nFFT; self.hopLength = hopLength
        window = periodicHann(nFFT).map(Double.init)
        fft = RealFFT(n: nFFT)
    }

    /// `head` is `[frames][nFFT + 2]`: log-magnitudes of bins 0...nFFT/2, then their phases.
    public func callAsFunction(_ head: [Float], frames: Int) -> [Float] {
        let bins = nFFT / 2 + 1
        let total = nFFT + hopLength * (frames - 1)
        var signal = [Double](repeating: 0, count: total)
        var envelope = [Double](repeating: 0, count: total)
        var re = [Double](repeating: 0, count: bins), im = re
        var frame = [Double](repeating: 0, count: nFFT)
        head.withUnsafeBufferPointer { h in
            window.withUnsafeBufferPointer { w in
                signal.withUnsafeMutableBufferPointer { y in
                    envelope.withUnsafeMutableBufferPointer { env in
                        for t in 0..<frames {
                            let row = h.baseAddress! + t * 2 * bins
                            for k in 0..<bins {
                                // float32 as torch: clip(exp(m), max=100) · (cos p, sin p).
                                let magnitude = min(exp(row[k]), 100)
                                let phase = row[bins + k]
                                re[k] = Double(magnitude * cos(phase))
                                im[k] = Double(magnitude * sin(phase))
                            }
                            fft.inverse(re: &re, im: &im, into: &frame)
                            let offset = t * hopLength
                            for n in 0..<nFFT {
                                y[offset + n] += frame[n] * w[n]
                                env[offset + n] += w[n] * w[n]
                            }
                        }
                    }
                }
            }
        }
        // center=True: drop nFFT/2 samples at each end.
        let pad = nFFT / 2
        return (pad..<(total - pad)).map { Float(signal[$0] / envelope[$0]) }
    }
}
