import CKernels
import F5Bundle

/// Path B: int4 weights times int16 (default) or int8 activations, no fp32 weight copy.
///
/// Weights are repacked once (CKernels' panel layout: 16 rows, offset-binary nibbles v+8).
/// Activations are quantized per call with ONE fp32 SCALE PER ROW: `s = max|x_row| / qmax`,
/// `q = round(x / s)`, qmax = 32767 (int16, `ck_q16_max`) or 127 (int8); see `ActivationPrecision` for
/// why 16 bits. A whole row accumulates exactly in int32.
///
/// Error bound (what the tests check): with `e_c = x_c - s q_c`, `|e_c| <= s/2`, so
///     |y_direct[o] - y_exact[o]| <= (s/2) * scale_o * sum_c |code(o, c)|  (+ fp32 rounding).
/// Against a reference that uses the same quantized activations the result is exact up to the
/// final two fp32 roundings (the int32 sum is exact).
public final class DirectInt4Backend: LinearBackend {
    public let name = "direct"
    public let attention: AttentionKind
    public let activations: ActivationPrecision
    public init(attention: AttentionKind = .standard(for: .direct), activations: ActivationPrecision = .int16) {
        self.attention = attention
        self.activations = activations
    }

    public func prepare(_ weight: Q4Tensor, bias: [Float]?) -> any LinearLayer {
        DirectInt4Linear(weight: weight, bias: bias, activations: activations)
    }
}

public final class DirectInt4Linear: LinearLayer {
    public let inFeatures: Int
    public let outFeatures: Int
    let paddedK: Int
    let repacked: AlignedBuffer
    let scales: [Float]
    let bias: [Float]?
    let activations: ActivationPrecision
    /// Output rows and columns of one GEMM task. Tasks are fixed pieces of the output, so the work splits the
    /// same way on any number of threads (and the sums are exact int32 anyway): 96 rows are whole tiles of
    /// every kernel (6 rows on zmm, 8 or 4 on ymm), 64 columns the zmm tile's 4 panels. A few rows (a GEMV)
    /// take wider pieces: a task there is memory-bound and short.
    static let taskRows = 96
    static let taskColumns = 64
    static let gemvRows = 4
    static let gemvTaskColumns = 512
    /// Rows one task of the quantization pass takes.
    static let quantizeRows = 16

    public init(weight: Q4Tensor, bias: [Float]?, activations: ActivationPrecision = .int16) {
        precondition(bias == nil || bias!.count == weight.rows, "bias length must equal the output features")
        inFeatures = weight.cols
        outFeatures = weight.rows
        paddedK = ck_q4_padded_k(weight.cols)
        repacked = AlignedBuffer(byteCount: ck_q4_repacked_bytes(weight.rows, weight.cols))
        ck_q4_repack(weight.packed.assumingMemoryBound(to: UInt8.self), weight.rows, weight.cols,
                     repacked.raw.assumingMemoryBound(to: UInt8.self))
        scales = (0..<weight.rows).map { weight.scale(row: $0) }
        // The repacked copy replaces the mapped bytes: keep only one of them resident.
        weight.releaseResidentPages()
        self.bias = bias
        self.activations = activations
    }

    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, name: String) {
        Self.run(name, [self], input: x, rows: rows, outputs: [(y, ldy)], prepare: nil, finish: nil)
    }

    /// Layers of one precision and input width that read the same rows, or nil.
    static func group(_ layers: [any LinearLayer]) -> [DirectInt4Linear]? {
        let direct = layers.compactMap { $0 as? DirectInt4Linear }
        guard direct.count == layers.count, let first = direct.first,
              direct.allSatisfy({ $0.inFeatures == first.inFeatures && $0.activations == first.activations }) else { return nil }
        return direct
    }

    /// `LinearOperation.run` on the direct path: one region prepares and quantizes the input rows once for every
    /// layer, one region runs every layer's output tiles and finishes each tile where it was computed.
    static func run(_ name: String, _ layers: [DirectInt4Linear], input x: UnsafePointer<Float>, rows: Int,
                    outputs: [(UnsafeMutablePointer<Float>, Int)], prepare: ((Range<Int>) -> Void)?,
                    finish: LinearOperation.Finish?) {
        guard rows > 0, let first = layers.first else { return }
        first.withQuantizedScratch(rows: rows) { q in
            ComputeThreads.parallelChunks(name + ".input", count: rows, grain: quantizeRows,
                                          bytes: rows * (first.inFeatures * 4 + q.rowBytes)) { range in
                prepare?(range)
                first.quantize(x, rows: range, into: q)
            }
            let tileRows = rows <= gemvRows ? rows : taskRows
            let tileColumns = rows <= gemvRows ? gemvTaskColumns : taskColumns
            let rowTiles = (rows + tileRows - 1) / tileRows
            // Each layer's tasks after the previous layer's; within a layer, column tiles outer: the workers
            // running at one time share one piece of the weights.
            let ends = layers.reduce(into: [Int]()) { ends, layer in
                ends.append((ends.last ?? 0) + rowTiles * ((layer.outFeatures + tileColumns - 1) / tileColumns))
            }
            ComputeThreads.parallelFor(name, tasks: ends.last ?? 0) { task in
                let l = ends.firstIndex { task < $0 }!, local = task - (l == 0 ? 0 : ends[l - 1])
                let layer = layers[l], (y, ldy) = outputs[l]
                let r0 = local % rowTiles * tileRows, n0 = local / rowTiles * tileColumns
                let rowRange = r0 ..< min(rows, r0 + tileRows), columns = n0 ..< min(layer.outFeatures, n0 + tileColumns)
                layer.gemm(q, rows: rowRange, into: y, ldy: ldy, columns: columns)
                finish?(l, rowRange, columns)
            }
        }
    }

    public func forwardTask(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        guard rows > 0, outFeatures > 0 else { return }
        withQuantizedScratch(rows: rows) { q in
            quantize(x, rows: 0..<rows, into: q)
            gemm(q, rows: 0..<rows, into: y, ldy: ldy, columns: 0..<outFeatures)
        }
    }

    /// Quantized rows in scratch memory: the rows, then per-row scales and sums.
    private struct Quantized {
        let values: UnsafeMutablePointer<Int8>
        let scales: UnsafeMutablePointer<Float>
        let sums: UnsafeMutablePointer<Int32>
        let rowBytes: Int
    }

    private func withQuantizedScratch(rows: Int, _ body: (Quantized) -> Void) {
        let rowBytes = activations.rowBytes(paddedK: paddedK), valueBytes = rows * rowBytes
        Scratch.with(bytes: valueBytes + rows * 8) { raw in
            body(Quantized(values: raw.assumingMemoryBound(to: Int8.self),
                           scales: (raw + valueBytes).assumingMemoryBound(to: Float.self),
                           sums: (raw + valueBytes + rows * 4).assumingMemoryBound(to: Int32.self), rowBytes: rowBytes))
        }
    }

    private func quantize(_ x: UnsafePointer<Float>, rows: Range<Int>, into q: Quantized) {
        let r0 = rows.lowerBound, xq = q.values + r0 * q.rowBytes, sx = q.scales + r0, qsum = q.sums + r0
        switch activations {
        case .int16: ck_quantize_rows16(x + r0 * inFeatures, rows.count, inFeatures, inFeatures, xq, paddedK, ck_q16_max(paddedK), sx, qsum)
        case .int8: ck_quantize_rows(x + r0 * inFeatures, rows.count, inFeatures, inFeatures, xq, paddedK, sx, qsum)
        }
    }

    /// y[rows, columns] (the kernel of this layer's activation precision).
    private func gemm(_ q: Quantized, rows: Range<Int>, into y: UnsafeMutablePointer<Float>, ldy: Int, columns: Range<Int>) {
        let r0 = rows.lowerBound, xq = q.values + r0 * q.rowBytes, sx = q.scales + r0, qsum = q.sums + r0
        let w = repacked.raw.assumingMemoryBound(to: UInt8.self)
        scales.withUnsafeBufferPointer { sw in
            withBias { b in
                switch activations {
                case .int16:
                    ck_q4_gemm16(w, sw.baseAddress, b, outFeatures, paddedK, xq, sx, qsum, rows.count, y + r0 * ldy, ldy,
                                 columns.lowerBound, columns.upperBound)
                case .int8:
                    ck_q4_gemm(w, sw.baseAddress, b, outFeatures, paddedK, xq, sx, qsum, rows.count, y + r0 * ldy, ldy,
                               columns.lowerBound, columns.upperBound)
                }
            }
        }
    }

    private func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
        if let bias { bias.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }
}
