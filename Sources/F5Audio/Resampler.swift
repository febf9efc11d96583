import Foundation

/// `torchaudio.transforms.Resample` with its defaults (`sinc_interp_hann`, lowpass width 6, rolloff 0.99):
/// a polyphase windowed-sinc filter whose kernel is computed exactly as torchaudio computes it
/// (float64, with the phase offset first formed in float32, then rounded to float32).
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    /// Rates divided by their gcd.
    private let orig: Int, new: Int
    private let width: Int
    private let taps: Int
    /// `[new][taps]`, float32 values as torchaudio stores them, widened for accumulation.
    private let kernel: [Double]

    public init(from inputRate: Int, to outputRate: Int, lowpassFilterWidth: Int = 6, rolloff: Double = 0.99) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        var (a, b) = (inputRate, outputRate)
        while b > 0 { (a, b) = (b, a % b) }
        orig = inputRate / a
        new = outputRate / a
        let base = Double(min(orig, new)) * rolloff
        let lowpass = Double(lowpassFilterWidth)
        width = Int((Double(lowpassFilterWidth * orig) / base).rounded(.up))
        taps = 2 * width + orig
        let scale = base / Double(orig)
        var kernel = [Double](repeating: 0, count: new * taps)
        for j in 0..<new {
            // torch.arange(0, -new, -1) / new: integer tensor divided in float32.
            let phase = Double(Float(-j) / Float(new))
            for k in 0..<taps {
                var t = (phase + Double(k - width) / Double(orig)) * base
                t = min(max(t, -lowpass), lowpass)
                let c = cos(t * Double.pi / lowpass / 2)
                let window = c * c
                t *= Double.pi
                let sinc = t == 0 ? 1 : sin(t) / t
                kernel[j * taps + k] = Double(Float(sinc * (window * scale)))
            }
        }
        self.kernel = kernel
    }

    /// Resamples one channel; returns `ceil(L · new / orig)` samples.
    public func callAsFunction(_ x: [Float]) -> [Float] {
        guard inputRate != outputRate else { return x }
        let length = x.count
        let outputCount = Int((Double(new * length) / Double(orig)).rounded(.up))
        // Zero padding of `width` on the left and `width + orig` on the right, then a strided conv1d.
        var padded = [Double](repeating: 0, count: length + 2 * width + orig)
        for i in 0..<length { padded[width + i] = Double(x[i]) }
        var y = [Float](repeating: 0, count: outputCount)
        padded.withUnsafeBufferPointer { xp in
            kernel.withUnsafeBufferPointer { kp in
                y.withUnsafeMutableBufferPointer { yp in
                    for o in 0..<outputCount {
                        let i = o / new, j = o % new
                        let src = xp.baseAddress! + orig * i
                        let row = kp.baseAddress! + j * taps
                        var sum = 0.0
                        for k in 0..<taps { sum += row[k] * src[k] }
                        yp[o] = Float(sum)
                    }
                }
            }
        }
        return y
    }
}
