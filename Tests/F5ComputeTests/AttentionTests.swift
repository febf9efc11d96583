import CKernels
import F5Compute
import Foundation
import XCTest

final class AttentionTests: XCTestCase {
    override func tearDown() { ComputeISA.force(nil) }

    private func check(_ out: [Float], _ expected: [Double], n: Int, width: Int, ld: Int, _ label: String) {
        var worst = 0.0
        for i in 0..<n {
            for c in 0..<width { worst = max(worst, abs(Double(out[i * ld + c]) - expected[i * ld + c])) }
        }
        XCTAssertLessThanOrEqual(worst, 2e-5, label)
    }

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

    /// Every ISA level (AVX-512: the fused C kernel; below: the sgemm path) on shapes that hit the
    /// kernel's tails: keys not a multiple of 16 or of the 96-key panel, query blocks not a
    /// multiple of the 4-row and 6-row tiles, head widths 16..128 and one that is not a multiple
    /// of 16, a single head split across workers, and large scores (max subtraction).
    func testForwardAtEveryLevelAgainstNaive() {
        let cases: [(n: Int, heads: Int, d: Int, block: Int, range: Float)] = [
            (17, 1, 16, 64, 2), (200, 2, 32, 48, 2), (97, 3, 48, 7, 2), (113, 1, 64, 13, 2),
            (64, 2, 128, 64, 2), (50, 2, 24, 16, 2), (150, 2, 64, 64, 6),
        ]
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            for (n, heads, d, block, range) in cases {
                let ld = heads * d + 5
                var rng = TestRandom(seed: UInt64(n * 100 + d + heads))
                let q = rng.floats(n * ld, -range, range), k = rng.floats(n * ld, -range, range), v = rng.floats(n * ld, -1, 1)
                let expected = naive(q, k, v, n: n, heads: heads, d: d, ld: ld)
                var out = [Float](repeating: 0, count: n * ld)
                Attention.forward(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: d, rowStride: ld, queryBlock: block)
                check(out, expected, n: n, width: heads * d, ld: ld, "\(level) N\(n) H\(heads) d\(d) block \(block)")
            }
        }
    }

    /// ck_attention_head directly, on sub-ranges of rows, at AVX-512 (micro-kernels) and below
    /// (the portable C twin); rows outside the range are left alone.
    func testFusedKernelRowRanges() {
        let n = 130, d = 64, ld = 70
        var rng = TestRandom(seed: 99)
        let q = rng.floats(n * ld, -2, 2), k = rng.floats(n * ld, -2, 2), v = rng.floats(n * ld, -1, 1)
        let expected = naive(q, k, v, n: n, heads: 1, d: d, ld: ld)
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            var out = [Float](repeating: 7, count: n * ld)
            var scratch = [Float](repeating: .nan, count: ck_attention_scratch_floats(n, d, 20))
            for (row0, row1) in [(0, 33), (33, 34), (34, 130)] {
                XCTAssertEqual(ck_attention_head(q, k, v, &out, n, d, ld, row0, row1, 20, 1 / Float(d).squareRoot(), &scratch), CK_OK)
            }
            check(out, expected, n: n, width: d, ld: ld, "fused \(level)")
            for i in 0..<n { XCTAssertEqual(out[i * ld + d], 7, "column past the head written at \(level)") }
        }
    }

    /// Both one-head kernels refuse what they cannot compute, say so, and write nothing.
    func testKernelsRefuseBadArguments() {
        let n = 40, d = 16, ld = 16
        let q = [Float](repeating: 1, count: n * ld), k = q, v = q
        var out = [Float](repeating: 7, count: n * ld)
        var floats = [Float](repeating: 0, count: ck_attention_scratch_floats(n, 64, 8))
        var bytes = [UInt8](repeating: 0, count: ck_attention_int_scratch_bytes(n, 64, 8))
        let bad: [(headDim: Int, ld: Int, row0: Int, row1: Int, block: Int, qmax: Int32)] = [
            (0, ld, 0, n, 8, 127), (d, d - 1, 0, n, 8, 127), (d, ld, 0, n + 1, 8, 127), (d, ld, 5, 4, 8, 127), (d, ld, 0, n, 0, 127)]
        for c in bad {
            XCTAssertEqual(ck_attention_head(q, k, v, &out, n, c.headDim, c.ld, c.row0, c.row1, c.block, 1, &floats), CK_BAD_ARGUMENT, "\(c)")
            XCTAssertEqual(ck_attention_int_head(q, k, v, &out, n, c.headDim, c.ld, c.row0, c.row1, c.block, 1, c.qmax, &bytes),
                           CK_BAD_ARGUMENT, "\(c)")
        }
        for qmax: Int32 in [0, 2048] {
            XCTAssertEqual(ck_attention_int_head(q, k, v, &out, n, d, ld, 0, n, 8, 1, qmax, &bytes), CK_BAD_ARGUMENT, "qmax \(qmax)")
        }
        XCTAssertEqual(ck_attention_int_head(q, k, v, &out, n, 258, 258, 0, 1, 8, 1, 127, &bytes), CK_BAD_ARGUMENT, "head_dim 258")
        XCTAssertTrue(out.allSatisfy { $0 == 7 }, "a refused call wrote its output")
        XCTAssertEqual(ck_attention_int_head(q, k, v, &out, n, d, ld, 0, n, 8, 1, 127, &bytes), CK_OK)
        XCTAssertEqual(out[0], 1, accuracy: 1e-3, "attention over equal values gives the value")
    }

    /// Int8 attention: every level gives the same bits as the portable twin (scalar), and every level
    /// is within the error bound that its quantization allows against float64 exact attention. The
    /// cases hit the 8-key padding, the 3-row and 6-row tiles, the 64-key move to fp32, an odd count of
    /// 8-key vectors and a channel strip left over after the zmm tiles (AVX512-VNNI finishes those on ymm),
    /// head widths that the vectorised kernels take (16, 48, 64, 128) and ones they leave to the twin (24, 2),
    /// keys with a large shared offset (what the smoothing removes) and large scores.
    func testInt8AtEveryLevelMatchesTheTwinAndStaysWithinItsBound() {
        let cases: [(n: Int, heads: Int, d: Int, block: Int, range: Float, offset: Float)] = [
            (1, 1, 64, 64, 2, 0), (13, 2, 16, 64, 2, 0), (150, 2, 64, 64, 3, 5), (97, 3, 128, 7, 2, 0),
            (200, 1, 64, 48, 6, 0), (40, 2, 48, 11, 2, 0), (50, 2, 24, 16, 2, 1), (9, 1, 2, 4, 2, 0),
        ]
        for (n, heads, d, block, range, offset) in cases {
            let ld = heads * d + 3
            var rng = TestRandom(seed: UInt64(n * 31 + d))
            let q = rng.floats(n * ld, -range, range), v = rng.floats(n * ld, -1, 1)
            let k = rng.floats(n * ld, -range, range).enumerated().map { $0.element + ($0.offset % 7 == 0 ? offset : 0) }
            let expected = naive(q, k, v, n: n, heads: heads, d: d, ld: ld)
            let label = "N\(n) H\(heads) d\(d) block \(block)"
            func run(_ level: ISALevel) -> [Float] {
                ComputeISA.force(level)
                var out = [Float](repeating: 0, count: n * ld)
                Attention.forward(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: d, rowStride: ld, queryBlock: block,
                                  kind: .int8)
                return out
            }
            let twin = run(.scalar)
            for level in ComputeISA.supported where level != .scalar {
                let out = run(level)
                for i in 0..<n {
                    for c in 0..<(heads * d) where out[i * ld + c].bitPattern != twin[i * ld + c].bitPattern {
                        XCTFail("\(level) \(label): row \(i) column \(c): \(out[i * ld + c]) against the twin's \(twin[i * ld + c])")
                        return
                    }
                }
            }
            for h in 0..<heads {
                let bound = int8Bound(q, k, v, n: n, head: h, d: d, ld: ld)
                var worst = 0.0
                for i in 0..<n {
                    for c in (h * d)..<((h + 1) * d) { worst = max(worst, abs(Double(twin[i * ld + c]) - expected[i * ld + c])) }
                }
                XCTAssertLessThanOrEqual(worst, bound, "\(label) head \(h)")
                // One key: the output is that key's value (V minus its mean, plus the mean), whatever the rounding.
                if n > 1 { XCTAssertGreaterThan(worst, 0, "\(label) head \(h): quantized attention cannot be exact") }
            }
        }
    }

    /// What int8 attention's rounding can do to one head's output, from its own data: each score moves by
    /// at most delta (Q and K rounded to half a step of their row scales, in natural-log units), which
    /// scales each softmax weight by at most e^(2 delta); P rounded to 1/(2 16383) of the row max (1) and
    /// V to half a step of its channel scale add their own terms.
    private func int8Bound(_ q: [Float], _ k: [Float], _ v: [Float], n: Int, head: Int, d: Int, ld: Int) -> Double {
        let scale = 1 / Double(d).squareRoot(), c0 = head * d
        let mean = (0..<d).map { p in (0..<n).reduce(0.0) { $0 + Double(k[$1 * ld + c0 + p]) } / Double(n) }
        let keys = (0..<n).map { j in (0..<d).map { Double(k[j * ld + c0 + $0]) - mean[$0] } }
        let queries = (0..<n).map { i in (0..<d).map { Double(q[i * ld + c0 + $0]) * scale } }
        func step(_ row: [Double]) -> Double { row.map(abs).max()! / 127 }
        var delta = 0.0
        for qi in queries {
            for kj in keys {
                let sq = step(qi), sk = step(kj)
                let e = sq / 2 * kj.map(abs).reduce(0, +) + sk / 2 * qi.map(abs).reduce(0, +) + Double(d) * sq * sk / 4
                delta = max(delta, e)
            }
        }
        let vmean = (0..<d).map { c in (0..<n).reduce(0.0) { $0 + Double(v[$1 * ld + c0 + c]) } / Double(n) }
        let vspread = (0..<d).map { c in (0..<n).map { abs(Double(v[$0 * ld + c0 + c]) - vmean[c]) }.max()! }
        let vmax = vspread.max()!
        return (exp(2 * delta) - 1) * 2 * vmax + Double(n) / 16383 * vmax + vmax / 2047 / 2 + 1e-5
    }
}
