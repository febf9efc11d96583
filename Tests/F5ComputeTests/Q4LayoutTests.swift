import CKernels
import F5Bundle
import F5Compute
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

    /// Every byte value, decoded by CKernels and by Q4Codec, on row widths that start rows mid-byte
    /// (odd) and on byte-aligned ones (even, CKernels' two-codes-per-byte loop).
    func testCDecoderMatchesQ4CodecOnEveryByte() {
        let stream = [UInt8](UInt8(0)...UInt8(255)) + [UInt8](UInt8(0)...UInt8(255)).reversed()
        let nibbles = 2 * stream.count
        for cols in [1, 3, 5, 7, 9, 31, 255, 2, 4, 6, 16, 512] {
            let rows = nibbles / cols
            let scales = (0..<rows).map { Half.toFloat(Half.fromFloat(Float(($0 % 13) - 6) * 0.0125 + 0.003)) }
            stream.withUnsafeBytes { raw in
                let packed = raw.bindMemory(to: UInt8.self).baseAddress!
                var whole = [Float](repeating: .nan, count: rows * cols)
                ck_q4_dequant_rows(packed, scales, cols, 0, rows, &whole)
                var row = [Float](repeating: .nan, count: cols)
                var mismatches: [String] = []
                for r in 0..<rows {
                    ck_q4_dequant_rows(packed, scales, cols, r, 1, &row)
                    for c in 0..<cols {
                        let n = r * cols + c
                        let expected = Float(Q4Codec.code(packed: raw.baseAddress!, index: n)) * scales[r]
                        if whole[n].bitPattern != expected.bitPattern || row[c].bitPattern != expected.bitPattern {
                            mismatches.append("row \(r) col \(c) (byte 0x\(String(stream[n >> 1], radix: 16))): C \(whole[n]) and \(row[c]), Swift \(expected)")
                        }
                    }
                }
                XCTAssertEqual(mismatches.count, 0, "cols \(cols): " + mismatches.prefix(4).joined(separator: "; "))
            }
        }
    }

    /// The Swift side of the layout pinned to literal bytes, so the comparison above is not two
    /// copies of one mistake.
    func testQ4CodecNibbleOrderAndTable() {
        var bytes = [UInt8](repeating: 0, count: 2)
        bytes.withUnsafeMutableBytes { p in
            Q4Codec.store(code: -8, packed: p.baseAddress!, index: 0)
            Q4Codec.store(code: 7, packed: p.baseAddress!, index: 1)
            Q4Codec.store(code: -1, packed: p.baseAddress!, index: 3)
        }
        XCTAssertEqual(bytes, [0x78, 0xF0])
        for b in 0...255 {
            let byte = UInt8(b)
            let low = Int8(b & 15) - (b & 8 == 0 ? 0 : 16), high = Int8(b >> 4) - (b & 0x80 == 0 ? 0 : 16)
            withUnsafeBytes(of: byte) { p in
                XCTAssertEqual(Q4Codec.code(packed: p.baseAddress!, index: 0), low, "byte \(b)")
                XCTAssertEqual(Q4Codec.code(packed: p.baseAddress!, index: 1), high, "byte \(b)")
            }
            XCTAssertEqual(Q4Codec.decodeTable[b].0, low, "byte \(b)")
            XCTAssertEqual(Q4Codec.decodeTable[b].1, high, "byte \(b)")
        }
    }

    /// Row scales: little-endian fp16 at any byte offset, rounded to nearest even.
    func testHalfStoreIsLittleEndianAtAnyOffset() {
        var bytes = [UInt8](repeating: 0xAA, count: 7)
        bytes.withUnsafeMutableBytes { p in
            Half.store(1, to: p.baseAddress! + 1, index: 0)
            Half.store(-2.0009765625, to: p.baseAddress! + 1, index: 1) // halfway to the next half: rounds to the even -2
            Half.store(0x1p-24, to: p.baseAddress! + 1, index: 2)
        }
        XCTAssertEqual(bytes, [0xAA, 0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00])
        XCTAssertEqual(Half.bytes([1, -2.0009765625, 0x1p-24]), Array(bytes[1...]))
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
        for precision in ActivationPrecision.allCases {
            let rows = QuantizedRows(x, rows: 3, k: k, precision: precision)
            let qmax = QuantizedRows.qmax(precision, k: k)
            for r in 0..<3 {
                let amax = x[(r * k)..<(r * k + k)].map(abs).max()!
                XCTAssertEqual(rows.scales[r], amax / Float(qmax), "\(precision)")
                var sum: Int32 = 0
                for c in 0..<kp {
                    let q = rows.value(r, c)
                    if c >= k { XCTAssertEqual(q, 0); continue }
                    XCTAssertLessThanOrEqual(abs(q), qmax)
                    XCTAssertEqual(q, Int32((x[r * k + c] * (amax > 0 ? Float(qmax) / amax : 0)).rounded(.toNearestOrEven)), "\(precision) [\(r),\(c)]")
                    // Half a step, plus the fp32 roundings of x * qmax / amax and of q * s (each <= |x| 2^-24 in x units).
                    let bound = rows.scales[r] / 2 + 2 * abs(x[r * k + c]) * Float.ulpOfOne
                    XCTAssertLessThanOrEqual(abs(Float(q) * rows.scales[r] - x[r * k + c]), bound, "\(precision) [\(r),\(c)]")
                    sum += q
                }
                XCTAssertEqual(rows.sums[r], sum, "\(precision)")
            }
        }
        XCTAssertEqual(ck_q16_max(2048), CK_Q16_MAX)
        XCTAssertEqual(ck_q16_max(8192), Int32(Int(Int32.max) / (15 * 8192)))
    }
}
