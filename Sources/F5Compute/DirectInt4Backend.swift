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
    /// Below this many weights a GEMV stays on one thread (fork/join costs more than it saves).
    static let parallelGEMVWeights = 1 << 21
    /// Rows at or below this use the streaming (memory-bound) kernel and split over columns.
    static let smallRows = 4
    /// Rows one thread quantizes and multiplies at a time: a multiple of the 6-row tile, large enough
    /// to amortise unpacking the codes, small enough that the int8 block stays in L2.
    static let rowBlock = 384

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

    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        scales.withUnsafeBufferPointer { sw in
            withBias { b in
                let w = repacked.raw.assumingMemoryBound(to: UInt8.self)
                let threads = ComputeThreads.count
                if rows <= Self.smallRows {
                    withQuantized(x, rows: rows) { xq, sx, qsum in
                        // Split columns in whole panels.
                        let panels = (outFeatures + 15) / 16
                        let parts = outFeatures * inFeatures >= Self.parallelGEMVWeights ? min(threads, panels) : 1
                        ComputeThreads.parallelFor(parts) { part in
                            let n0 = panels * part / parts * 16, n1 = min(outFeatures, panels * (part + 1) / parts * 16)
                            gemm(w, sw.baseAddress, b, xq, sx, qsum, rows, y, n0, n1)
                        }
                    }
                } else {
                    // Split rows in multiples of the 6-row tile; each part quantizes and multiplies its own
                    // rows a block at a time, so the int8 scratch does not grow with the activations.
                    let tiles = (rows + 5) / 6
                    let parts = min(threads, tiles)
                    ComputeThreads.parallelFor(parts) { part in
                        let r0 = min(rows, tiles * part / parts * 6), r1 = min(rows, tiles * (part + 1) / parts * 6)
                        for block in stride(from: r0, to: r1, by: Self.rowBlock) {
                            let m = min(Self.rowBlock, r1 - block)
                            withQuantized(x + block * inFeatures, rows: m) { xq, sx, qsum in
                                gemm(w, sw.baseAddress, b, xq, sx, qsum, m, y + block * outFeatures, 0, outFeatures)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `rows` rows of x quantized into one scratch block: the quantized rows, then per-row scales and sums.
    private func withQuantized(_ x: UnsafePointer<Float>, rows: Int,
                               _ body: (UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Int32>) -> Void) {
        let kp = paddedK, quantizedBytes = rows * activations.rowBytes(paddedK: kp)
        Scratch.with(bytes: quantizedBytes + rows * 8) { raw in
            let xq = raw.assumingMemoryBound(to: Int8.self)
            let sx = (raw + quantizedBytes).assumingMemoryBound(to: Float.self)
            let qsum = (raw + quantizedBytes + rows * 4).assumingMemoryBound(to: Int32.self)
            switch activations {
            case .int16: ck_quantize_rows16(x, rows, inFeatures, inFeatures, xq, kp, ck_q16_max(kp), sx, qsum)
            case .int8: ck_quantize_rows(x, rows, inFeatures, inFeatures, xq, kp, sx, qsum)
            }
            body(xq, sx, qsum)
        }
    }

    /// y[r, n0 ..< n1] for `rows` quantized rows (the kernel of this layer's activation precision).
    private func gemm(_ w: UnsafePointer<UInt8>, _ sw: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?,
                      _ xq: UnsafePointer<Int8>, _ sx: UnsafePointer<Float>, _ qsum: UnsafePointer<Int32>, _ rows: Int,
                      _ y: UnsafeMutablePointer<Float>, _ n0: Int, _ n1: Int) {
        switch activations {
        case .int16: ck_q4_gemm16(w, sw, b, outFeatures, paddedK, xq, sx, qsum, rows, y, outFeatures, n0, n1)
        case .int8: ck_q4_gemm(w, sw, b, outFeatures, paddedK, xq, sx, qsum, rows, y, outFeatures, n0, n1)
        }
    }

    private func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
        if let bias { bias.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }
}
