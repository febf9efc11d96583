import CKernels
import F5Bundle
import F5Compute
import F5TestSupport
import XCTest

final class LinearBackendTests: XCTestCase {
    override func tearDown() { ComputeISA.force(nil) }

    private func inputs(_ m: Int, _ n: Int, _ k: Int, seed: UInt64) -> (TestQ4, [Float], [Float]) {
        var rng = TestRandom(seed: seed)
        return (TestQ4(rows: n, cols: k, seed: seed), rng.floats(m * k, -2, 2), rng.floats(n, -0.5, 0.5))
    }

    func testReferenceBackendMatchesTestReference() {
        let (q, x, bias) = inputs(3, 37, 231, seed: 1)
        let y = apply(ReferenceBackend().prepare(q.tensor, bias: bias), x, rows: 3)
        XCTAssertLessThanOrEqual(maxRelativeError(y, q.reference(x, rows: 3, bias: bias)), 1e-7)
    }

    func testDequantMatchesReference() {
        let backend = makeLinearBackend(.dequant)
        XCTAssertEqual(backend.name, "dequant")
        for (i, (m, n, k)) in awkwardShapes.enumerated() {
            let (q, x, bias) = inputs(m, n, k, seed: UInt64(10 + i))
            for b in [nil, bias] {
                let y = apply(backend.prepare(q.tensor, bias: b), x, rows: m)
                XCTAssertLessThanOrEqual(maxRelativeError(y, q.reference(x, rows: m, bias: b)), 1e-5, "M\(m) N\(n) K\(k)")
            }
        }
    }

    func testDequantCacheKeepsWhatFitsAndStreamsTheRest() {
        let (q, x, _) = inputs(2, 37, 231, seed: 2)
        let weightBytes = 37 * 231 * 4
        let keepAll = DequantBLASBackend(cacheBudgetBytes: 1 << 20)
        let layer = keepAll.prepare(q.tensor, bias: nil)
        let first = apply(layer, x, rows: 2)
        let second = apply(layer, x, rows: 2)
        XCTAssertEqual(first, second)
        XCTAssertEqual(keepAll.cacheStats.misses, 1)
        XCTAssertEqual(keepAll.cacheStats.hits, 1)
        XCTAssertEqual(keepAll.cacheStats.bytesCached, weightBytes)

        // Room for one layer only, two layers used in a cycle (as a forward uses them): the first stays
        // cached, the second is dequantized into scratch every time. LRU would have missed all four.
        let tight = DequantBLASBackend(cacheBudgetBytes: weightBytes)
        let a = tight.prepare(q.tensor, bias: nil), b = tight.prepare(q.tensor, bias: nil)
        for _ in 0..<2 {
            XCTAssertEqual(apply(a, x, rows: 2), first)
            XCTAssertEqual(apply(b, x, rows: 2), first)
        }
        XCTAssertEqual(tight.cacheStats.misses, 3)
        XCTAssertEqual(tight.cacheStats.hits, 1)
        XCTAssertEqual(tight.cacheStats.uncached, 2)
        XCTAssertEqual(tight.cacheStats.bytesCached, weightBytes)

        // No budget: nothing kept, results unchanged.
        let none = DequantBLASBackend(cacheBudgetBytes: 0)
        XCTAssertEqual(apply(none.prepare(q.tensor, bias: nil), x, rows: 2), first)
        XCTAssertEqual(none.cacheStats.bytesCached, 0)
    }

    /// The documented bound of DirectInt4Backend: |err| <= (s/2) * scale_o * sum_c |code(o,c)|, s = max|x_row| / qmax.
    func testDirectWithinPerRowQuantizationBound() {
        for precision in ActivationPrecision.allCases {
            let backend = makeLinearBackend(.direct, activations: precision)
            for (i, (m, n, k)) in awkwardShapes.enumerated() {
                let (q, x, bias) = inputs(m, n, k, seed: UInt64(20 + i))
                let y = apply(backend.prepare(q.tensor, bias: bias), x, rows: m)
                let exact = q.reference(x, rows: m, bias: bias)
                let slack = 1e-6 * (exact.map(abs).max() ?? 0)
                let qmax = Float(QuantizedRows.qmax(precision, k: k))
                for r in 0..<m {
                    let s = Double(x[(r * k)..<(r * k + k)].map(abs).max()! / qmax)
                    for o in 0..<n {
                        let l1 = q.codes[(o * k)..<(o * k + k)].reduce(0) { $0 + abs(Int($1)) }
                        let bound = s / 2 * Double(q.scales[o]) * Double(l1) + slack
                        XCTAssertLessThanOrEqual(abs(Double(y[r * n + o]) - exact[r * n + o]), bound, "\(precision) M\(m) N\(n) K\(k) [\(r),\(o)]")
                    }
                }
            }
        }
    }

    func testDirectMatchesReferenceOnSameQuantizedActivations() {
        for precision in ActivationPrecision.allCases {
            let backend = makeLinearBackend(.direct, activations: precision)
            for (i, (m, n, k)) in awkwardShapes.enumerated() {
                let (q, x, bias) = inputs(m, n, k, seed: UInt64(30 + i))
                let y = apply(backend.prepare(q.tensor, bias: bias), x, rows: m)
                let expected = quantizedReference(q, x, rows: m, bias: bias, precision: precision)
                XCTAssertLessThanOrEqual(maxRelativeError(y, expected), 1e-6, "\(precision) M\(m) N\(n) K\(k)")
            }
        }
    }

    /// Every level this CPU runs gives the same bits, for both activation precisions (the int32 sums are
    /// exact and the epilogue is one formula).
    func testDirectLevelsAgreeBitForBit() {
        let (q, x, bias) = inputs(13, 70, 1100, seed: 4)
        for precision in ActivationPrecision.allCases {
            for m in [1, 3, 13] {
                var outputs: [ISALevel: [Float]] = [:]
                for level in ComputeISA.supported {
                    ComputeISA.force(level)
                    XCTAssertEqual(ComputeISA.active, level)
                    let layer = DirectInt4Backend(activations: precision).prepare(q.tensor, bias: bias)
                    outputs[level] = apply(layer, Array(x[0..<(m * 1100)]), rows: m)
                }
                let scalar = outputs[.scalar]!
                for (level, y) in outputs { XCTAssertEqual(y.map(\.bitPattern), scalar.map(\.bitPattern), "\(precision) \(level) M\(m)") }
            }
        }
    }

    /// The int16 scale keeps the int32 sums exact at the largest magnitudes: every code +7 (offset code 15)
    /// times rows of equal values (all at qmax) at K = 8000, where qmax = 32767 would overflow.
    func testInt16SumsStayExactAtLargeK() {
        let k = 8000, n = 16
        let storage = Q4Storage(packedBytes: n * k / 2, scaleBytes: n * 2)
        storage.packed.initializeMemory(as: UInt8.self, repeating: 0x77, count: n * k / 2)
        for r in 0..<n { Half.store(1, to: storage.scales, index: r) }
        let tensor = Q4Tensor(name: "big.weight", shape: [n, k], packed: storage.packed, scales: storage.scales, storage: storage)
        XCTAssertLessThan(ck_q16_max(ck_q4_padded_k(k)), CK_Q16_MAX)
        for level in ComputeISA.supported {
            ComputeISA.force(level)
            let y = apply(DirectInt4Backend(activations: .int16).prepare(tensor, bias: nil), [Float](repeating: 0.5, count: 2 * k), rows: 2)
            XCTAssertEqual(y, [Float](repeating: 7 * 0.5 * Float(k), count: 2 * n), "\(level)")
        }
    }

    func testZeroRowsAndZeroInputs() {
        let (q, _, bias) = inputs(1, 37, 231, seed: 5)
        for kind in BackendKind.allCases {
            let layer = makeLinearBackend(kind).prepare(q.tensor, bias: bias)
            var y: [Float] = []
            layer.forward([], rows: 0, into: &y) // nothing to do, nothing touched
            let zeros = apply(layer, [Float](repeating: 0, count: 2 * 231), rows: 2)
            XCTAssertEqual(zeros, bias + bias, "\(kind)")
        }
    }

    /// y in float64 from the kernel's own quantized activations.
    private func quantizedReference(_ q: TestQ4, _ x: [Float], rows m: Int, bias: [Float]?, precision: ActivationPrecision) -> [Double] {
        let n = q.tensor.rows, k = q.tensor.cols
        let quantized = QuantizedRows(x, rows: m, k: k, precision: precision)
        var y = [Double](repeating: 0, count: m * n)
        for r in 0..<m {
            for o in 0..<n {
                var s = 0.0
                for c in 0..<k { s += Double(q.codes[o * k + c]) * Double(quantized.value(r, c)) }
                y[r * n + o] = s * Double(quantized.scales[r]) * Double(q.scales[o]) + Double(bias?[o] ?? 0)
            }
        }
        return y
    }
}
