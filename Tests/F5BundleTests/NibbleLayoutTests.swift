import F5Bundle
import XCTest

/// Pins the int4 layout: flat nibble index r*K + c, low nibble first, two's complement, rows not byte-aligned for odd K.
final class NibbleLayoutTests: XCTestCase {
    final class Storage {}

    func testOddRowsStartInsideAByte() {
        // Shape [3, 1, 5]: 15 nibbles in 8 bytes; row 1 starts at the high nibble of byte 2.
        let codes: [[Int8]] = [[0, 1, -1, 7, -8], [3, -3, 5, -5, 2], [-7, 6, -2, 4, 0]]
        let flat = codes.flatMap { $0 }
        var packed = [UInt8](repeating: 0, count: 8)
        packed.withUnsafeMutableBytes { p in
            for (n, q) in flat.enumerated() { Q4Codec.store(code: q, packed: p.baseAddress!, index: n) }
        }
        XCTAssertEqual(packed[2] >> 4, 0x3, "row 1, column 0 is the high nibble of byte 2")
        let scales: [Float] = [0.5, 2, 0.25]
        let scaleBytes = Half.bytes(scales)
        packed.withUnsafeBytes { p in
            scaleBytes.withUnsafeBytes { s in
                let t = Q4Tensor(name: "t", shape: [3, 1, 5], packed: p.baseAddress!, scales: s.baseAddress!, storage: Storage())
                XCTAssertEqual(t.cols, 5)
                for r in 0..<3 {
                    for c in 0..<5 { XCTAssertEqual(t.code(row: r, col: c), codes[r][c], "(\(r), \(c))") }
                }
                let values = t.dequantized()
                XCTAssertEqual(values, flat.enumerated().map { Float($0.element) * scales[$0.offset / 5] })
            }
        }
    }

    func testEvenRowsUseTheTablePathWithTheSameResult() {
        // K = 4: byte-aligned rows; bytes chosen to cover every nibble value.
        let packed: [UInt8] = [0x80, 0xF7, 0x19, 0xA2, 0x3C, 0x6E, 0x4D, 0xB5]
        let scaleBytes: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C]  // 1, -2, smallest subnormal, +inf
        packed.withUnsafeBytes { p in
            scaleBytes.withUnsafeBytes { s in
                let t = Q4Tensor(name: "t", shape: [4, 4], packed: p.baseAddress!, scales: s.baseAddress!, storage: Storage())
                XCTAssertEqual(Array(t.dequantized()[0..<4]), [0, -8, 7, -1])
                XCTAssertEqual(Array(t.dequantized()[4..<8]), [14, -2, -4, 12])
                XCTAssertEqual(t.scale(row: 2), 0x1p-24)
                XCTAssertEqual(t.dequantized()[8], -4 * 0x1p-24)
                for r in 0..<4 {
                    for c in 0..<4 { XCTAssertEqual(t.dequantized()[r * 4 + c], Float(t.code(row: r, col: c)) * t.scale(row: r)) }
                }
            }
        }
    }
}
