import CKernels

/// Vectorised fp32 kernels (CKernels, dispatched on `ComputeISA.elementwise`). `x` and `y` may be
/// the same buffer. Rows are `n` floats at stride `rowStride` (default `n`).
public enum Elementwise {
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { ck_exp(x, y, count) }
    public static func erf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { ck_erf(x, y, count) }
    public static func silu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { ck_silu(x, y, count) }
    /// x * tanh(softplus(x)), softplus linear above 20 (as torch).
    public static func mish(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { ck_mish(x, y, count) }
    /// GELU, tanh approximation (torch `approximate="tanh"`).
    public static func geluTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { ck_gelu_tanh(x, y, count) }
    /// GELU with exact erf (torch default).
    public static func geluErf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { ck_gelu_erf(x, y, count) }

    /// Each row becomes softmax(scale * row) (max subtracted; scale must be > 0).
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, n: Int, rowStride: Int? = nil, scale: Float = 1) {
        precondition(scale > 0, "softmax scale must be positive")
        ck_softmax_rows(x, rows, n, rowStride ?? n, scale)
    }

    /// Rows of one task in the row-parallel passes below: a task of 16 rows of 1024 is ~10 µs of work, and
    /// 2424 rows give 152 tasks (enough for 32 threads).
    public static let taskRows = 16

    /// LayerNorm over each row (population variance); `gamma`/`beta` nil for the no-affine form, as one region.
    public static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int,
                                 rowStride: Int? = nil, eps: Float, gamma: UnsafePointer<Float>? = nil,
                                 beta: UnsafePointer<Float>? = nil, name: String = "layernorm") {
        let ld = rowStride ?? n
        ComputeThreads.parallelChunks(name, count: rows, grain: taskRows, bytes: 8 * rows * n) { range in
            layerNorm(x, y, rows: range, n: n, rowStride: ld, eps: eps, gamma: gamma, beta: beta)
        }
    }

    /// The same for the rows `rows` of x and y, on the calling thread (a task of the caller's region).
    public static func layerNorm(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Range<Int>, n: Int,
                                 rowStride ld: Int, eps: Float, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?) {
        ck_layernorm(x + rows.lowerBound * ld, y + rows.lowerBound * ld, rows.count, n, ld, eps, gamma, beta)
    }

    /// The gated residual of a DiT block, x[r, c] += gate[c] * y[r, c] over rows `rows` and columns `columns` of
    /// row-major x and y with `n` columns, on the calling thread (a task of the caller's region).
    public static func addGated(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                                rows: Range<Int>, columns: Range<Int>, n: Int) {
        let offset = rows.lowerBound * n + columns.lowerBound
        ck_add_gated(x + offset, y + offset, gate + columns.lowerBound, rows.count, columns.count, n)
    }
}
