import F5Compute
import Foundation
import XCTest

final class ElementwiseTests: XCTestCase {
    override func tearDown() { ComputeISA.force(nil) }

    typealias Kernel = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    static func erfGELU(_ x: Double) -> Double { 0.5 * x * erfc(-x / 2.0.squareRoot()) }
    /// 0.5 x (1 + tanh u) written as x / (1 + exp(-2u)): the same function without the double's own cancellation.
    static func tanhGELU(_ x: Double) -> Double { x / (1 + Foundation.exp(-2 * (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
    static func mish(_ x: Double) -> Double { x * tanh(x > 20 ? x : log1p(Foundation.exp(x))) }

    /// (name, kernel, reference, range, relative tolerance, absolute tolerance)
    static var cases: [(String, Kernel, (Double) -> Double, ClosedRange<Float>, Double, Double)] { [
        ("exp", { Elementwise.exp($0, $1, count: $2) }, { Foundation.exp($0) }, -86...88, 5e-7, 0),
        ("erf", { Elementwise.erf($0, $1, count: $2) }, { Foundation.erf($0) }, -6...6, 2e-7, 0),
        ("silu", { Elementwise.silu($0, $1, count: $2) }, { $0 / (1 + Foundation.exp(-$0)) }, -30...30, 1e-6, 1e-30),
        ("mish", { Elementwise.mish($0, $1, count: $2) }, mish, -30...30, 1e-6, 1e-30),
        ("geluTanh", { Elementwise.geluTanh($0, $1, count: $2) }, tanhGELU, -12...12, 1e-6, 1e-9), // the tail is ill-conditioned in fp32 (exp of a large rounded argument)
        // 1 + erf(x) is accurate to ~1 ulp of 1 (as in fp32 torch), so the negative tail has an absolute bound.
        ("geluErf", { Elementwise.geluErf($0, $1, count: $2) }, erfGELU, -12...12, 1e-6, 1e-7),
    ] }

    /// Awkward length (not a multiple of 16), plus values exactly at the branch points.
    static func inputs(_ range: ClosedRange<Float>) -> [Float] {
        var rng = TestRandom(seed: 11)
        return rng.floats(4099, range.lowerBound, range.upperBound) + [0, -0.0, 20, 20.5, 19.5, 0.927734375, -0.927734375, 1e-20]
    }

    func testPointwiseAgainstDoubleAtEveryLevel() {
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            for (name, kernel, reference, range, rel, abs) in Self.cases {
                let x = Self.inputs(range).filter { range.contains($0) }
                var y = [Float](repeating: .nan, count: x.count)
                kernel(x, &y, x.count)
                for (xi, yi) in zip(x, y) {
                    let r = reference(Double(xi))
                    XCTAssertLessThanOrEqual(Swift.abs(Double(yi) - r), rel * Swift.abs(r) + abs, "\(name)(\(xi)) at \(level)")
                }
            }
        }
    }

    func testExpEdges() {
        let x: [Float] = [-.infinity, -200, 100, .infinity, 88.5]
        var y = [Float](repeating: .nan, count: x.count)
        Elementwise.exp(x, &y, count: x.count)
        XCTAssertEqual(Array(y[0..<4]), [0, 0, .infinity, .infinity])
        XCTAssertEqual(Double(y[4]), Foundation.exp(88.5), accuracy: 1e-6 * Foundation.exp(88.5))
    }

    /// In place (x == y) gives the same bits as out of place, across block boundaries, at every level.
    func testInPlace() {
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            for (name, kernel, _, range, _, _) in Self.cases {
                let x = Self.inputs(range).filter { range.contains($0) }
                var separate = [Float](repeating: .nan, count: x.count)
                kernel(x, &separate, x.count)
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.baseAddress!, x.count) }
                XCTAssertEqual(inPlace.map(\.bitPattern), separate.map(\.bitPattern), "\(name) at \(level)")
            }
        }
    }

    func testSoftmaxRows() {
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            let rows = 3, n = 37, ld = 40
            var rng = TestRandom(seed: 5)
            var x = rng.floats(rows * ld, -30, 30)
            let original = x
            Elementwise.softmaxRows(&x, rows: rows, n: n, rowStride: ld, scale: 0.125)
            for r in 0..<rows {
                let row = (0..<n).map { 0.125 * Double(original[r * ld + $0]) }
                let m = row.max()!
                let e = row.map { Foundation.exp($0 - m) }
                let s = e.reduce(0, +)
                for i in 0..<n { XCTAssertEqual(Double(x[r * ld + i]), e[i] / s, accuracy: 1e-6 * e[i] / s + 1e-12, "\(level)") }
                for i in n..<ld { XCTAssertEqual(x[r * ld + i], original[r * ld + i]) } // padding untouched
            }
        }
    }

    /// The gated residual at every level on a block of rows and columns: exactly x + (gate * y) rounded twice,
    /// as torch computes it (an FMA would round once and differ), and nothing outside the block.
    func testAddGatedRoundsTheProductThenTheSum() {
        let rows = 300, n = 37, blockRows = 3..<290, blockColumns = 4..<33
        var rng = TestRandom(seed: 9)
        let start = rng.floats(rows * n, -4, 4), y = rng.floats(rows * n, -3, 3), gate = rng.floats(n, -2, 2)
        let expected = (0..<(rows * n)).map { i in
            blockRows.contains(i / n) && blockColumns.contains(i % n) ? start[i] + gate[i % n] * y[i] : start[i]
        }
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            var x = start
            Elementwise.addGated(&x, y, gate: gate, rows: blockRows, columns: blockColumns, n: n)
            XCTAssertEqual(x.map(\.bitPattern), expected.map(\.bitPattern), "\(level)")
        }
    }

    func testLayerNormPlainAndAffine() {
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            let rows = 3, n = 37, eps: Float = 1e-6
            var rng = TestRandom(seed: 6)
            let x = rng.floats(rows * n, -4, 4).map { $0 + 3 } // non-zero mean
            let gamma = rng.floats(n, 0.5, 1.5), beta = rng.floats(n, -1, 1)
            for affine in [false, true] {
                var y = [Float](repeating: .nan, count: rows * n)
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        Elementwise.layerNorm(x, &y, rows: rows, n: n, eps: eps,
                                              gamma: affine ? g.baseAddress : nil, beta: affine ? b.baseAddress : nil)
                    }
                }
                for r in 0..<rows {
                    let row = (0..<n).map { Double(x[r * n + $0]) }
                    let mean = row.reduce(0, +) / Double(n)
                    let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
                    for i in 0..<n {
                        var expected = (row[i] - mean) / (variance + Double(eps)).squareRoot()
                        if affine { expected = expected * Double(gamma[i]) + Double(beta[i]) }
                        XCTAssertEqual(Double(y[r * n + i]), expected, accuracy: 2e-6 * max(1, abs(expected)), "\(level) affine \(affine)")
                    }
                }
            }
        }
    }
}
