import CKernels
import COpenBLAS
import Foundation

/// Multi-head scaled dot-product attention (no mask) on `[n, heads*headDim]` row-major buffers,
/// laid out as to_q / to_k / to_v produce them (head h owns columns h*headDim ..< (h+1)*headDim).
public enum Attention {
    /// Blocked: per head, blocks of `queryBlock` queries against all keys. The score block
    /// (queryBlock x n floats) stays in L2; the full heads x n x n scores never exist.
    /// `.int8` is the integer C kernel (ck_attention_int_head; vectorised from AVX2 up when headDim is
    /// a multiple of 16). `.fp32` with AVX-512 and headDim a multiple of 16 is the fused fp32 C kernel
    /// (ck_attention_head); otherwise each task runs single-threaded sgemm on its query blocks.
    /// `batch` items of n rows each lie `itemStride` floats apart; all of them run as one region whose tasks
    /// are whole (item, head) pairs, so the split does not depend on the thread count.
    public static func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, n: Int, heads: Int, headDim: Int,
                               rowStride: Int? = nil, batch: Int = 1, itemStride: Int? = nil, queryBlock: Int = 64,
                               kind: AttentionKind = .fp32, name: String = "attention") {
        let ld = rowStride ?? heads * headDim
        precondition(ld >= heads * headDim && queryBlock > 0, "row stride too small for heads x headDim")
        guard n > 0, heads > 0, headDim > 0, batch > 0 else { return }
        let scale = 1 / Float(headDim).squareRoot()
        let items = Items(n: n, heads: heads, headDim: headDim, batch: batch, stride: itemStride ?? n * ld)
        switch kind {
        case .int8:
            precondition(headDim % 2 == 0 && headDim <= 256, "int8 attention needs an even headDim <= 256")
            let qmax = kind.quantizedMax
            items.run(name, scratchBytes: ck_attention_int_scratch_bytes(n, headDim, queryBlock)) { offset, row0, row1, scratch in
                let status = ck_attention_int_head(q + offset, k + offset, v + offset, out + offset, n, headDim, ld, row0, row1,
                                                   queryBlock, scale, qmax, scratch)
                precondition(status == CK_OK, "ck_attention_int_head refused headDim \(headDim), qmax \(qmax), rows \(row0)..<\(row1) of \(n)")
            }
        case .fp32 where ck_attention_fused_available(headDim) != 0:
            items.run(name, scratchBytes: ck_attention_scratch_floats(n, headDim, queryBlock) * 4) { offset, row0, row1, scratch in
                let status = ck_attention_head(q + offset, k + offset, v + offset, out + offset, n, headDim, ld, row0, row1,
                                               queryBlock, scale, scratch.assumingMemoryBound(to: Float.self))
                precondition(status == CK_OK, "ck_attention_head refused headDim \(headDim), rows \(row0)..<\(row1) of \(n)")
            }
        case .fp32:
            items.run(name, scratchBytes: queryBlock * (n + 1) * 4) { offset, row0, row1, scratch in
                let scores = scratch.assumingMemoryBound(to: Float.self), sums = scores + queryBlock * n
                for q0 in stride(from: row0, to: row1, by: queryBlock) {
                    attendBlock(q: q + offset + q0 * ld, k: k + offset, v: v + offset, out: out + offset + q0 * ld,
                                rows: min(queryBlock, row1 - q0), n: n, headDim: headDim, ld: ld, scores: scores, sums: sums)
                }
            }
        }
    }

    /// The tasks of one attention region: one per (item, head), all of equal work. A task packs its head's K
    /// and V once; cutting a head into row ranges repacks them per range, which costs ~4 % of the head's work
    /// each time (int8 kernel, N = 1212), so heads stay whole: 2 x 16 of them divide evenly over 2, 4, 8, 16 and
    /// 32 threads.
    private struct Items {
        let n, heads, headDim, batch, stride: Int

        /// `kernel(offset, row0, row1, scratch)`: the head at `offset` (item and column) for rows row0 ..< row1.
        func run(_ name: String, scratchBytes: Int, _ kernel: (Int, Int, Int, UnsafeMutableRawPointer) -> Void) {
            ComputeThreads.parallelFor(name, tasks: batch * heads) { task in
                let head = task % heads, item = task / heads
                Scratch.with(bytes: scratchBytes) { kernel(item * stride + head * headDim, 0, n, $0) }
            }
        }
    }

    /// The plain twin: per head, the full n x n score matrix, softmax, times V, with OpenBLAS's
    /// own threads. Used by the benchmark as the baseline.
    public static func materialized(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                    out: UnsafeMutablePointer<Float>, n: Int, heads: Int, headDim: Int,
                                    rowStride: Int? = nil) {
        let ld = rowStride ?? heads * headDim
        precondition(ld >= heads * headDim, "row stride too small for heads x headDim")
        guard n > 0, heads > 0, headDim > 0 else { return }
        Scratch.with(bytes: n * (n + 1) * 4) { raw in
            let scores = raw.assumingMemoryBound(to: Float.self)
            ComputeThreads.withOpenBLASThreads {
                for head in 0..<heads {
                    let column = head * headDim
                    attendBlock(q: q + column, k: k + column, v: v + column, out: out + column, rows: n, n: n, headDim: headDim,
                                ld: ld, scores: scores, sums: scores + n * n)
                }
            }
        }
    }

    /// out[rows] = softmax(q[rows] k^T / sqrt(d)) v for one head (q, k, v, out at its first column); the
    /// softmax division is applied to the output rows (d values) rather than to the scores (n values).
    private static func attendBlock(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                    out: UnsafeMutablePointer<Float>, rows: Int, n: Int, headDim: Int,
                                    ld: Int, scores: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(headDim),
                    1, q, Int32(ld), k, Int32(ld), 0, scores, Int32(n))
        ck_softmax_rows_unnormalized(scores, rows, n, n, 1 / Float(headDim).squareRoot(), sums)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headDim), Int32(n),
                    1, scores, Int32(n), v, Int32(ld), 0, out, Int32(ld))
        for r in 0..<rows {
            let row = out + r * ld, inverse = 1 / sums[r]
            for c in 0..<headDim { row[c] *= inverse }
        }
    }
}
