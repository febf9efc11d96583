import CKernels
import F5Bundle
import XCTest

/// Pins the two layouts: CKernels decodes the bundle's nibbles exactly like Q4Tensor, and the
/// repacked direct layout is the one documented in ckernels.h.
final class Q4LayoutTests: XCTestCase {
    func testDequantRowsEqualsQ4TensorBitForBit() {
        for (rows, cols) in [(37, 231), (5, 7), (16, 64), (3, 1)] {
            let q = TestQ4(rows: rows, cols: cols, seed: UInt64(rows * 1000 + cols))
            let expected = q.tensor.dequantized()
            var got = [Float](repeating: .nan, count: rows * cols)
            // Two calls so that a range starting mid-tensor (and mid-byte for odd cols) is covered.
            let split = rows / 2
            got.withUnsafeMutableBufferPointer { out in
                ck_q4_dequant_rows(q.tensor.packed.assumingMemoryBound(to: UInt8.self), q.scales, cols, 0, split, out.baseAddress!)
                ck_q4_dequant_rows(q.tensor.packed.assumingMemoryBound(to: UInt8.self), q.scales, cols, split, rows - split,
                                   out.baseAddress! + split * cols)
            }
            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(rows)x\(cols)")
        }
    }

    func testRepackedLayout() {
        let rows = 37, cols = 231
        let q = TestQ4(rows: rows, cols: cols, seed: 7)
        let kp = ck_q4_padded_k(cols)
        XCTAssertEqual(kp, 232)
        let bytes = ck_q4_repacked_bytes(rows, cols)
        XCTAssertEqual(bytes, 3 * kp * 8)
        var out = [UInt8](repeating: 0, count: bytes)
        ck_q4_repack(q.tensor.packed.assumingMemoryBound(to: UInt8.self), rows, cols, &out)
        for r in 0..<48 {
            for c in 0..<kp {
                let panel = r / 16, j = r % 16
                let byte = out[panel * kp * 8 + (c / 8) * 64 + 4 * j + c % 4]
                let code = Int(c % 8 < 4 ? byte & 0x0F : byte >> 4) - 8
                let expected = r < rows && c < cols ? Int(q.codes[r * cols + c]) : 0
                XCTAssertEqual(code, expected, "row \(r) col \(c)")
            }
        }
    }

    func testQuantizeRows() {
        let k = 231, kp = ck_q4_padded_k(k)
        var rng = TestRandom(seed: 3)
        var x = rng.floats(3 * k, -3, 3)
        x[k + 5] = 0
        for c in 0..<k { x[2 * k + c] = 0 } // an all-zero row must not divide by zero
        var xq = [Int8](repeating: 99, count: 3 * kp)
        var sx = [Float](repeating: 0, count: 3)
        var qsum = [Int32](repeating: 0, count: 3)
        ck_quantize_rows(x, 3, k, k, &xq, kp, &sx, &qsum)
        for r in 0..<3 {
            let amax = x[(r * k)..<(r * k + k)].map(abs).max()!
            XCTAssertEqual(sx[r], amax / 127)
            var sum: Int32 = 0
            for c in 0..<kp {
                let q = xq[r * kp + c]
                if c >= k { XCTAssertEqual(q, 0); continue }
                XCTAssertLessThanOrEqual(abs(Float(q) * sx[r] - x[r * k + c]), sx[r] / 2 * 1.0001)
                sum += Int32(q)
            }
            XCTAssertEqual(qsum[r], sum)
        }
    }
}
