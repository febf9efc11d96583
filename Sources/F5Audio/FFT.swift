import Foundation

/// A real FFT of even power-of-two length `n` (float64), done as one complex radix-2 FFT of
/// length n/2 on the even/odd samples packed as real/imaginary parts.
public struct RealFFT: Sendable {
    public let n: Int
    private let half: Int
    /// e^{-2πik/half}, k < half/2, for the complex butterflies.
    private let butterflyCos: [Double], butterflySin: [Double]
    /// e^{-2πik/n}, k <= half, for splitting the packed spectrum.
    private let splitCos: [Double], splitSin: [Double]
    private let bitReverse: [Int]

    public init(n: Int) {
        precondition(n >= 4 && n & (n - 1) == 0, "RealFFT needs a power of two >= 4, got \(n)")
        self.n = n
        half = n / 2
        let h = n / 2
        butterflyCos = (0..<max(h / 2, 1)).map { cos(2 * Double.pi * Double($0) / Double(h)) }
        butterflySin = (0..<max(h / 2, 1)).map { -sin(2 * Double.pi * Double($0) / Double(h)) }
        splitCos = (0...h).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        splitSin = (0...h).map { -sin(2 * Double.pi * Double($0) / Double(n)) }
        let bits = h.trailingZeroBitCount
        bitReverse = (0..<h).map { i in
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
    }

    /// X[k] = Σ x[t]·e^{-2πikt/n} for k = 0...n/2 (`re`, `im` hold n/2+1 values each).
    public func forward(_ x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        for m in 0..<half { re[m] = x[2 * m]; im[m] = x[2 * m + 1] }
        complexFFT(re, im, inverse: false)
        let z0r = re[0], z0i = im[0]
        // Split Z into the spectra of the even (E) and odd (O) samples: X[k] = E[k] + w^k O[k].
        for k in 1...(half / 2) {
            let j = half - k
            let ar = re[k], ai = im[k], br = re[j], bi = im[j]
            let er = 0.5 * (ar + br), ei = 0.5 * (ai - bi)
            let or = 0.5 * (ai + bi), oi = -0.5 * (ar - br)
            re[k] = er + splitCos[k] * or - splitSin[k] * oi
            im[k] = ei + splitCos[k] * oi + splitSin[k] * or
            // X[half-k] = conj(E[k]) - conj(w^k O[k]) ... expressed with w^(half-k) = -conj(w^k).
            re[j] = er - (splitCos[k] * or - splitSin[k] * oi)
            im[j] = -ei + (splitCos[k] * oi + splitSin[k] * or)
        }
        re[0] = z0r + z0i; im[0] = 0
        re[half] = z0r - z0i; im[half] = 0
    }

    /// x[t] = (1/n) Σ_k X[k]·e^{2πikt/n} over the Hermitian completion of k = 0...n/2, as a C2R
    /// transform: the imaginary parts of bins 0 and n/2 are ignored. `re`/`im` are overwritten.
    public func inverse(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>, into x: UnsafeMutablePointer<Double>) {
        // Rebuild Z = E + i·O from X: E[k] = (X[k] + conj X[half-k]) / 2, O[k] = (X[k] − conj X[half-k]) / 2 · conj(w^k).
        let x0 = re[0], xh = re[half]
        for k in 1...(half / 2) {
            let j = half - k
            let ar = re[k], ai = im[k], br = re[j], bi = im[j]
            let er = 0.5 * (ar + br), ei = 0.5 * (ai - bi)
            let dr = 0.5 * (ar - br), di = 0.5 * (ai + bi)
            // O[k] = d · conj(w^k)
            let or = dr * splitCos[k] + di * splitSin[k], oi = di * splitCos[k] - dr * splitSin[k]
            // Z[k] = E + iO; Z[j] = conj(E[k]) + i·conj(O[k])
            re[k] = er - oi; im[k] = ei + or
            re[j] = er + oi; im[j] = -ei + or
        }
        re[0] = 0.5 * (x0 + xh); im[0] = 0.5 * (x0 - xh)
        complexFFT(re, im, inverse: true)
        let scale = 1.0 / Double(half)
        for m in 0..<half { x[2 * m] = re[m] * scale; x[2 * m + 1] = im[m] * scale }
    }

    /// In-place iterative radix-2 FFT of length n/2 (unscaled either way).
    private func complexFFT(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
        for i in 0..<half {
            let r = bitReverse[i]
            if r > i { swap(&re[i], &re[r]); swap(&im[i], &im[r]) }
        }
        let sign: Double = inverse ? -1 : 1
        butterflyCos.withUnsafeBufferPointer { wc in
            butterflySin.withUnsafeBufferPointer { ws in
                var size = 2
                while size <= half {
                    let step = half / size
                    for start in stride(from: 0, to: half, by: size) {
                        for k in 0..<(size / 2) {
                            let wr = wc[k * step], wi = sign * ws[k * step]
                            let a = start + k, b = a + size / 2
                            let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                            re[b] = re[a] - tr; im[b] = im[a] - ti
                            re[a] += tr; im[a] += ti
                        }
                    }
                    size *= 2
                }
            }
        }
    }
}

/// `torch.hann_window(n)` (periodic) in float32: 0.5 − 0.5·cos(2πi/n), the angle formed in float32 and
/// the cosine correctly rounded (torch's vectorized cosf differs by 1 ulp in a few entries for n = 1024).
public func periodicHann(_ n: Int) -> [Float] {
    let step = Float(Double.pi * 2 / Double(n))
    return (0..<n).map { Float(cos(Double(Float($0) * step))) * -0.5 + 0.5 }
}
