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
    /// (ck_attention_head); otherwise tasks (head, block) run on `ComputeThreads.count` workers, each
    /// calling single-threaded sgemm.
    public static func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, n: Int, heads: Int, headDim: Int,
                               rowStride: Int? = nil, queryBlock: Int = 64, kind: AttentionKind = .fp32) {
        let ld = rowStride ?? heads * headDim
        precondition(ld >= heads * headDim && queryBlock > 0, "row stride too small for heads x headDim")
        guard n > 0, heads > 0, headDim > 0 else { return }
        switch kind {
        case .int8:
            precondition(headDim % 2 == 0 && headDim <= 256, "int8 attention needs an even headDim <= 256")
            let qmax = kind.quantizedMax
            perHead(n: n, heads: heads, headDim: headDim, queryBlock: queryBlock,
                    scratchBytes: ck_attention_int_scratch_bytes(n, headDim, queryBlock)) { column, row0, row1, scale, scratch in
                ck_attention_int_head(q + column, k + column, v + column, out + column, n, headDim, ld, row0, row1,
                                      queryBlock, scale, qmax, scratch)
            }
            return
        case .fp32 where ck_attention_fused_available(headDim) != 0:
            perHead(n: n, heads: heads, headDim: headDim, queryBlock: queryBlock,
                    scratchBytes: ck_attention_scratch_floats(n, headDim, queryBlock) * 4) { column, row0, row1, scale, scratch in
                ck_attention_head(q + column, k + column, v + column, out + column, n, headDim, ld, row0, row1,
                                  queryBlock, scale, scratch.assumingMemoryBound(to: Float.self))
            }
            return
        case .fp32:
            break
        }
        let blocks = (n + queryBlock - 1) / queryBlock
        let tasks = heads * blocks
        let workers = min(ComputeThreads.count, tasks)
        ComputeThreads.withSingleThreadedBLAS {
            ComputeThreads.parallelFor(workers) { worker in
                Scratch.with(bytes: queryBlock * (n + 1) * 4) { raw in
                    let scores = raw.assumingMemoryBound(to: Float.self), sums = scores + queryBlock * n
                    for task in stride(from: worker, to: tasks, by: workers) {
                        let head = task / blocks, q0 = task % blocks * queryBlock
                        attendBlock(q: q + q0 * ld, k: k, v: v, out: out + q0 * ld, rows: min(queryBlock, n - q0),
                                    n: n, head: head, headDim: headDim, ld: ld, scores: scores, sums: sums)
                    }
                }
            }
        }
    }

    /// Runs a one-head C kernel (no BLAS) over every head. Tasks are whole heads when there are at
    /// least 4 per worker, otherwise each head is cut into equal row ranges (on block boundaries) so
    /// that there are; workers take tasks from a shared counter, so one slowed down by other load does
    /// not hold the rest up. Each task packs its head's K and V once.
    /// `kernel(column, row0, row1, scale, scratch)` computes the head at `column` for rows row0 ..< row1.
    private static func perHead(n: Int, heads: Int, headDim: Int, queryBlock: Int, scratchBytes: Int,
                                _ kernel: (Int, Int, Int, Float, UnsafeMutableRawPointer) -> Void) {
        let scale = 1 / Float(headDim).squareRoot()
        let blocks = (n + queryBlock - 1) / queryBlock
        let threads = min(ComputeThreads.count, heads * blocks)
        let perHead = min(blocks, (4 * threads + heads - 1) / heads)
        let tasks = heads * perHead
        let workers = min(threads, tasks)
        let counter = TaskCounter()
        ComputeThreads.parallelFor(workers) { _ in
            Scratch.with(bytes: scratchBytes) { scratch in
                while let task = counter.next(below: tasks) {
                    let head = task / perHead, part = task % perHead
                    // Row ranges on block boundaries: part p owns blocks [p B / P, (p + 1) B / P).
                    let row0 = blocks * part / perHead * queryBlock
                    let row1 = min(n, blocks * (part + 1) / perHead * queryBlock)
                    kernel(head * headDim, row0, row1, scale, scratch)
                }
            }
        }
    }

    /// Hands out 0, 1, 2, ... to concurrent workers.
    private final class TaskCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func next(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
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
            for head in 0..<heads {
                attendBlock(q: q, k: k, v: v, out: out, rows: n, n: n, head: head, headDim: headDim, ld: ld,
                            scores: scores, sums: scores + n * n)
            }
        }
    }

    /// out[rows, head] = softmax(q[rows, head] k[:, head]^T / sqrt(d)) v[:, head]; the softmax
    /// division is applied to the output rows (d values) rather than to the scores (n values).
    private static func attendBlock(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                    out: UnsafeMutablePointer<Float>, rows: Int, n: Int, head: Int, headDim: Int,
                                    ld: Int, scores: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        let column = head * headDim
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(headDim),
                    1, q + column, Int32(ld), k + column, Int32(ld), 0, scores, Int32(n))
        ck_softmax_rows_unnormalized(scores, rows, n, n, 1 / Float(headDim).squareRoot(), sums)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headDim), Int32(n),
                    1, scores, Int32(n), v + column, Int32(ld), 0, out + column, Int32(ld))
        for r in 0..<rows {
            let row = out + r * ld + column, inverse = 1 / sums[r]
            for c in 0..<headDim { row[c] *= inverse }
        }
    }
}
