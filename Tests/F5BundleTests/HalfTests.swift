import F5Bundle
import XCTest

final class HalfTests: XCTestCase {
    func testEveryHalfConvertsExactly() {
        for bits in 0...UInt16.max {
            let ours = Half.toFloat(bits)
            let swift = Float(Float16(bitPattern: bits))
            if swift.isNaN {
                XCTAssertTrue(ours.isNaN, "bits \(bits)")
                XCTAssertEqual(ours.bitPattern & 0x7FC0_0000 | 0x0040_0000, swift.bitPattern & 0x7FC0_0000 | 0x0040_0000)
            } else {
                XCTAssertEqual(ours.bitPattern, swift.bitPattern, "bits \(bits)")
            }
        }
    }

    func testRoundingToHalfMatchesIEEENearestEven() {
        var rng = SplitMix64(seed: 7)
        var values: [Float] = [0, -0, 65504, 65520, 65519.99, 1e-8, -1e-8, 5.96e-8, 2.98e-8, 2.99e-8, 6.1e-5, .infinity, -.infinity, 1.00048828125]
        for _ in 0..<200_000 {
            // Random bit patterns cover normals, subnormals and overflow.
            values.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
        }
        for v in values where !v.isNaN {
            XCTAssertEqual(Half.fromFloat(v), Float16(v).bitPattern, "value \(v)")
        }
        XCTAssertTrue(Half.toFloat(Half.fromFloat(.nan)).isNaN)
    }
}
