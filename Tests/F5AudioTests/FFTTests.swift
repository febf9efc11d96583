import XCTest
@testable import F5Audio

final class FFTTests: XCTestCase {
    /// The plain DFT the real FFT must reproduce.
    func dft(_ x: [Double]) -> (re: [Double], im: [Double]) {
        let n = x.count
        var re = [Double](repeating: 0, count: n / 2 + 1), im = re
        for k in 0...(n / 2) {
            for t in 0..<n {
                let angle = -2 * Double.pi * Double(k * t % n) / Double(n)
                re[k] += x[t] * cos(angle); im[k] += x[t] * sin(angle)
            }
        }
        return (re, im)
    }

    func testForwardMatchesDFT() {
        var generator = SystemRandomNumberGenerator()
        for n in [4, 8, 64, 1024] {
            let x = (0..<n).map { _ in Double.random(in: -1...1, using: &generator) }
            let fft = RealFFT(n: n)
            var re = [Double](repeating: 0, count: n / 2 + 1), im = re
            fft.forward(x, re: &re, im: &im)
            let reference = dft(x)
            for k in 0...(n / 2) {
                XCTAssertEqual(re[k], reference.re[k], accuracy: 1e-10, "n \(n) bin \(k)")
                XCTAssertEqual(im[k], reference.im[k], accuracy: 1e-10, "n \(n) bin \(k)")
            }
        }
    }

    /// C2R: the inverse of a Hermitian half spectrum; imaginary parts of DC and Nyquist are ignored.
    func testInverseMatchesDFTAndIgnoresEdgeImaginaryParts() {
        for n in [8, 1024] {
            let bins = n / 2 + 1
            var re = (0..<bins).map { Double($0 % 7) - 3 }, im = (0..<bins).map { Double($0 % 5) - 2 }
            var expected = [Double](repeating: 0, count: n)
            for t in 0..<n {
                var sum = re[0] + re[n / 2] * (t % 2 == 0 ? 1 : -1)
                for k in 1..<(n / 2) {
                    let angle = 2 * Double.pi * Double(k * t % n) / Double(n)
                    sum += 2 * (re[k] * cos(angle) - im[k] * sin(angle))
                }
                expected[t] = sum / Double(n)
            }
            im[0] = 123; im[n / 2] = -45
            var x = [Double](repeating: 0, count: n)
            RealFFT(n: n).inverse(re: &re, im: &im, into: &x)
            for t in 0..<n { XCTAssertEqual(x[t], expected[t], accuracy: 1e-10, "n \(n) sample \(t)") }
        }
    }

    func testHannIsPeriodic() {
        let w = periodicHann(1024)
        XCTAssertEqual(w[0], 0)
        XCTAssertEqual(w[512], 1)
        XCTAssertEqual(w[256], 0.5, accuracy: 1e-7)
    }
}
