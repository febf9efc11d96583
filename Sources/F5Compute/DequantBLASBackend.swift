import CKernels
import COpenBLAS
import F5Bundle
import Foundation

/// Path A: Q4 rows dequantized to fp32 tiles (`code * fp16 scale`, bit-identical to
/// `Q4Tensor.dequantizeRows`), cached under a budget, multiplied with OpenBLAS sgemm.
public final class DequantBLASBackend: LinearBackend {
    public let name = "dequant"
    public let attention: AttentionKind
    public let cache: DequantTileCache
    /// Rows per tile: about this many bytes of fp32 each, so a partly cached weight still runs
    /// large sgemm calls.
    static let tileBytes = 8 << 20

    /// The default tile budget. Dequantizing a tile costs about 1 % of its GEMM at M = 2424, so a budget far
    /// below the model's ~790 MB of fp32 weights costs no measurable time (full-size synthetic F5TTS_Base,
    /// N = 1212: peak 473 MB with this budget against 1013 MB with every tile kept, step times equal within
    /// the machine's noise); the tiles it keeps spare part of the dequantization.
    public static let defaultCacheBudgetBytes = 256 << 20

    /// `cacheBudgetBytes` nil: `defaultCacheBudgetBytes`.
    public init(cacheBudgetBytes: Int? = nil, attention: AttentionKind = .standard(for: .dequant)) {
        self.attention = attention
        cache = DequantTileCache(budgetBytes: cacheBudgetBytes ?? Self.defaultCacheBudgetBytes)
    }

    public var cacheStats: DequantTileCache.Stats { cache.snapshot }

    public func prepare(_ weight: Q4Tensor, bias: [Float]?) -> any LinearLayer {
        DequantLinear(weight: weight, bias: bias, cache: cache)
    }
}

final class DequantLinear: LinearLayer {
    let weight: Q4Tensor
    let bias: [Float]?
    let scales: [Float]
    let cache: DequantTileCache
    let layerID: Int
    let tileRows: Int
    var inFeatures: Int { weight.cols }
    var outFeatures: Int { weight.rows }

    init(weight: Q4Tensor, bias: [Float]?, cache: DequantTileCache) {
        precondition(bias == nil || bias!.count == weight.rows, "bias length must equal the output features")
        self.weight = weight
        self.bias = bias
        self.cache = cache
        scales = (0..<weight.rows).map { weight.scale(row: $0) }
        layerID = cache.registerLayer()
        let rows = DequantBLASBackend.tileBytes / max(1, 4 * weight.cols)
        tileRows = min(weight.rows, max(16, rows / 16 * 16))
    }

    deinit { cache.removeLayer(layerID) }

    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        let n = outFeatures, k = inFeatures
        guard rows > 0, n > 0 else { return }
        fillBias(y, rows: rows)
        guard k > 0 else { return }
        let packed = weight.packed.assumingMemoryBound(to: UInt8.self)
        for (index, row0) in stride(from: 0, to: n, by: tileRows).enumerated() {
            let count = min(tileRows, n - row0)
            cache.withTile(layer: layerID, index: index, bytes: count * k * 4) { out in
                // On every compute thread: the sgemm that follows uses them all too.
                scales.withUnsafeBufferPointer { s in
                    ComputeThreads.parallelRanges(count, minimumPerThread: 16) { rows in
                        ck_q4_dequant_rows(packed, s.baseAddress, k, row0 + rows.lowerBound, rows.count, out + rows.lowerBound * k)
                    }
                }
            } _: { tile in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(count), Int32(k),
                            1, x, Int32(k), tile, Int32(k), 1, y + row0, Int32(n))
            }
        }
    }

    /// y rows start as the bias (or 0); sgemm then accumulates with beta = 1.
    private func fillBias(_ y: UnsafeMutablePointer<Float>, rows: Int) {
        let n = outFeatures
        guard let bias else {
            y.update(repeating: 0, count: rows * n)
            return
        }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { (y + r * n).update(from: b.baseAddress!, count: n) }
        }
    }
}
