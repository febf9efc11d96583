import F5Compute
import Foundation
import XCTest

final class AttentionTests: XCTestCase {
    /// softmax(q k^T / sqrt(d)) v per head, in float64.
    private func naive(_ q: [Float], _ k: [Float], _ v: [Float], n: Int, heads: Int, d: Int, ld: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * ld)
        for h in 0..<heads {
            for i in 0..<n {
                var s = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + Double(q[i * ld + h * d + $1]) * Double(k[j * ld + h * d + $1]) } / Double(d).squareRoot() }
                let m = s.max()!
                s = s.map { Foundation.exp($0 - m) }
                let total = s.reduce(0, +)
                for c in 0..<d { out[i * ld + h * d + c] = (0..<n).reduce(0.0) { $0 + s[$1] * Double(v[$1 * ld + h * d + c]) } / total }
            }
        }
        return out
    }

    func testBlockedAndMaterializedAgainstNaive() {
        for (n, heads, d) in [(1, 2, 64), (7, 3, 16), (130, 4, 64), (130, 2, 16)] {
            let ld = heads * d + 3 // a row stride wider than the heads
            var rng = TestRandom(seed: UInt64(n * 10 + heads))
            let q = rng.floats(n * ld, -2, 2), k = rng.floats(n * ld, -2, 2), v = rng.floats(n * ld, -1, 1)
            let expected = naive(q, k, v, n: n, heads: heads, d: d, ld: ld)
            for blocked in [true, false] {
                var out = [Float](repeating: 0, count: n * ld)
                if blocked {
                    Attention.forward(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: d, rowStride: ld, queryBlock: 48)
                } else {
                    Attention.materialized(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: d, rowStride: ld)
                }
                for i in 0..<n {
                    for c in 0..<(heads * d) {
                        XCTAssertEqual(Double(out[i * ld + c]), expected[i * ld + c], accuracy: 2e-5, "N\(n) H\(heads) d\(d) blocked \(blocked)")
                    }
                }
            }
        }
    }
}
