import CKernels
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
    /// The bias, kept where a pointer to it stays valid (nil: none).
    let biasValues: AlignedBuffer?
    let scales: [Float]
    let cache: DequantTileCache
    let layerID: Int
    let tileRows: Int
    var inFeatures: Int { weight.cols }
    var outFeatures: Int { weight.rows }

    init(weight: Q4Tensor, bias: [Float]?, cache: DequantTileCache) {
        precondition(bias == nil || bias!.count == weight.rows, "bias length must equal the output features")
        self.weight = weight
        biasValues = bias.map { values in
            let storage = AlignedBuffer(byteCount: values.count * 4)
            storage.floats().update(from: values, count: values.count)
            return storage
        }
        self.cache = cache
        scales = (0..<weight.rows).map { weight.scale(row: $0) }
        layerID = cache.registerLayer()
        let rows = DequantBLASBackend.tileBytes / max(1, 4 * weight.cols)
        tileRows = min(weight.rows, max(16, rows / 16 * 16))
    }

    deinit { cache.removeLayer(layerID) }

    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, name: String) {
        guard rows > 0, outFeatures > 0 else { return }
        withTiles(dequantize: { count, fill in
            ComputeThreads.parallelChunks(name + ".dequantize", count: count, grain: 64, bytes: count * inFeatures * 4, fill)
        }) { row0, count, tile in
            SgemmTiles.multiply(name, x: x, rows: rows, k: inFeatures, w: tile, n: count, bias: bias(from: row0),
                                y: y + row0, ldy: ldy)
        }
    }

    func forwardTask(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        guard rows > 0, outFeatures > 0 else { return }
        withTiles(dequantize: { count, fill in fill(0..<count) }) { row0, count, tile in
            SgemmTiles.multiplyTask(x: x, rows: rows, k: inFeatures, w: tile, n: count, bias: bias(from: row0), y: y + row0, ldy: ldy)
        }
    }

    /// Each tile of weight rows as fp32 (cached, or dequantized now by `dequantize`, which runs the row ranges it
    /// is handed for a tile of `count` rows), handed to `body(row0, count, tile)`.
    private func withTiles(dequantize: (Int, (Range<Int>) -> Void) -> Void,
                           _ body: (Int, Int, UnsafePointer<Float>) -> Void) {
        let k = inFeatures, packed = weight.packed.assumingMemoryBound(to: UInt8.self)
        for (index, row0) in stride(from: 0, to: outFeatures, by: tileRows).enumerated() {
            let count = min(tileRows, outFeatures - row0)
            cache.withTile(layer: layerID, index: index, bytes: count * k * 4) { out in
                scales.withUnsafeBufferPointer { s in
                    dequantize(count) { rows in
                        ck_q4_dequant_rows(packed, s.baseAddress, k, row0 + rows.lowerBound, rows.count, out + rows.lowerBound * k)
                    }
                }
            } _: { tile in body(row0, count, tile) }
        }
    }

    private func bias(from row0: Int) -> UnsafePointer<Float>? { biasValues.map { UnsafePointer($0.floats() + row0) } }
}
