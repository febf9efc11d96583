import CKernels
import F5Bundle
import F5Compute
import Foundation
import XCTest

/// Deterministic numbers for tests (PCG-style LCG).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(next() % 1_000_000) / 1_000_000 }
    mutating func floats(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<count).map { _ in float(lo, hi) } }
}

/// Owns the bytes a test Q4Tensor points into.
final class Q4Storage {
    let packed: UnsafeMutableRawPointer
    let scales: UnsafeMutableRawPointer
    init(packedBytes: Int, scaleBytes: Int) {
        packed = .allocate(byteCount: max(1, packedBytes), alignment: 1)
        scales = .allocate(byteCount: max(2, scaleBytes), alignment: 1)
    }
    deinit { packed.deallocate(); scales.deallocate() }
}

/// A Q4 tensor written byte by byte in the bundle layout (nibble n = r*cols + c, low nibble first),
/// with its codes and fp16-rounded scales for reference maths.
struct TestQ4 {
    let tensor: Q4Tensor
    let codes: [Int8]
    let scales: [Float]

    init(rows: Int, cols: Int, seed: UInt64) {
        var rng = TestRandom(seed: seed)
        let codes = (0..<(rows * cols)).map { _ in Int8(Int(rng.next() % 16) - 8) }
        let storage = Q4Storage(packedBytes: (rows * cols + 1) / 2, scaleBytes: rows * 2)
        storage.packed.initializeMemory(as: UInt8.self, repeating: 0, count: (rows * cols + 1) / 2)
        for (n, code) in codes.enumerated() { Q4Codec.store(code: code, packed: storage.packed, index: n) }
        var scales: [Float] = []
        for r in 0..<rows {
            Half.store(rng.float(0.005, 0.05), to: storage.scales, index: r)
            scales.append(Half.load(storage.scales, index: r))
        }
        tensor = Q4Tensor(name: "test.weight", shape: [rows, cols], packed: storage.packed,
                          scales: storage.scales, storage: storage)
        self.codes = codes
        self.scales = scales
    }

    /// y = x W^T + b in float64.
    func reference(_ x: [Float], rows: Int, bias: [Float]?) -> [Double] {
        let n = tensor.rows, k = tensor.cols
        var y = [Double](repeating: 0, count: rows * n)
        for r in 0..<rows {
            for o in 0..<n {
                var s = 0.0
                for c in 0..<k { s += Double(codes[o * k + c]) * Double(x[r * k + c]) }
                y[r * n + o] = s * Double(scales[o]) + Double(bias?[o] ?? 0)
            }
        }
        return y
    }
}

func apply(_ layer: any LinearLayer, _ x: [Float], rows: Int) -> [Float] {
    var y = [Float](repeating: .nan, count: rows * layer.outFeatures)
    x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { layer.forward(xp.baseAddress!, rows: rows, into: $0.baseAddress!) } }
    return y
}

/// The awkward shapes every linear path must handle: (M, N, K).
let awkwardShapes: [(Int, Int, Int)] = [
    (1, 37, 231), (2, 16, 64), (3, 37, 231), (4, 70, 1100), (17, 37, 231), (17, 48, 7), (13, 70, 1100), (5, 1, 9),
]

/// Rows quantized by the direct path's C kernel (ck_quantize_rows or ck_quantize_rows16), decoded.
struct QuantizedRows {
    let precision: ActivationPrecision
    let paddedK: Int
    let bytes: [Int8]
    let scales: [Float]
    let sums: [Int32]

    static func qmax(_ precision: ActivationPrecision, k: Int) -> Int32 {
        precision == .int16 ? ck_q16_max(ck_q4_padded_k(k)) : 127
    }

    init(_ x: [Float], rows m: Int, k: Int, precision: ActivationPrecision) {
        let kp = ck_q4_padded_k(k), rowBytes = precision == .int16 ? 2 * kp : kp
        var bytes = [Int8](repeating: 99, count: m * rowBytes)
        var sx = [Float](repeating: 0, count: m)
        var qsum = [Int32](repeating: 0, count: m)
        switch precision {
        case .int16: ck_quantize_rows16(x, m, k, k, &bytes, kp, Self.qmax(precision, k: k), &sx, &qsum)
        case .int8: ck_quantize_rows(x, m, k, k, &bytes, kp, &sx, &qsum)
        }
        self.precision = precision
        paddedK = kp
        self.bytes = bytes
        scales = sx
        sums = qsum
    }

    /// Where column k of an int16 row is stored, as ckernels.h documents it: the even k of each group of 8,
    /// then its odd k.
    static let int16Slot = [0, 4, 1, 5, 2, 6, 3, 7]

    /// The integer value of row r, column c (c < paddedK); int16 values are little-endian.
    func value(_ r: Int, _ c: Int) -> Int32 {
        switch precision {
        case .int16:
            let at = 2 * (r * paddedK + c / 8 * 8 + Self.int16Slot[c % 8])
            return 256 * Int32(bytes[at + 1]) + Int32(UInt8(bitPattern: bytes[at]))
        case .int8: return Int32(bytes[r * paddedK + c])
        }
    }
}
