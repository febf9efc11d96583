import COpenBLAS

/// `y = x · Wᵀ + bias` with single-threaded OpenBLAS sgemm calls on fixed pieces of y, as the tasks of one
/// region: the pieces depend on the shapes alone, so every sgemm call, and so every bit of y, is the same on
/// any number of threads. A piece is large enough that packing its operands costs a few percent of it.
enum SgemmTiles {
    static let taskRows = 192
    static let taskColumns = 128

    /// y[rows, n] (row stride ldy) from x [rows, k] and the weight rows w [n, k].
    static func multiply(_ name: String, x: UnsafePointer<Float>, rows: Int, k: Int, w: UnsafePointer<Float>?, n: Int,
                         bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ldy: Int) {
        let rowTiles = (rows + taskRows - 1) / taskRows, columnTiles = (n + taskColumns - 1) / taskColumns
        ComputeThreads.parallelFor(name, tasks: rowTiles * columnTiles) { task in
            let r0 = task % rowTiles * taskRows, c0 = task / rowTiles * taskColumns
            multiplyTask(x: x + r0 * k, rows: min(taskRows, rows - r0), k: k, w: w.map { $0 + c0 * k }, n: min(taskColumns, n - c0),
                         bias: bias.map { $0 + c0 }, y: y + r0 * ldy + c0, ldy: ldy)
        }
    }

    /// One piece on the calling thread: y starts as the bias (or 0), then sgemm accumulates (beta = 1).
    static func multiplyTask(x: UnsafePointer<Float>, rows: Int, k: Int, w: UnsafePointer<Float>?, n: Int,
                             bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ldy: Int) {
        guard rows > 0, n > 0 else { return }
        for r in 0..<rows {
            if let bias { (y + r * ldy).update(from: bias, count: n) } else { (y + r * ldy).update(repeating: 0, count: n) }
        }
        guard k > 0, let w else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(k),
                    1, x, Int32(k), w, Int32(k), 1, y, Int32(ldy))
    }
}
