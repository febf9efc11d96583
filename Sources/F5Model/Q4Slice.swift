import F5Bundle
import F5Compute

extension Q4Tensor {
    /// Rows `rows` and columns `cols` as a new standalone Q4 tensor: the same codes and row scales,
    /// so every value is unchanged. Used to split one stored weight into per-group convolution
    /// weights and into the x / cond+text columns of the input projection.
    func slice(rows: Range<Int>, cols: Range<Int>) -> Q4Tensor {
        let width = cols.count
        let packedBytes = (rows.count * width + 1) / 2
        let storage = AlignedBuffer(byteCount: packedBytes + 2 * rows.count)
        let packed = storage.raw
        packed.initializeMemory(as: UInt8.self, repeating: 0, count: packedBytes)
        for (r, row) in rows.enumerated() {
            for (c, col) in cols.enumerated() {
                Q4Codec.store(code: code(row: row, col: col), packed: packed, index: r * width + c)
            }
        }
        // Scales are copied as raw fp16 bits.
        let scaleBytes = storage.raw + packedBytes
        scaleBytes.copyMemory(from: scales + 2 * rows.lowerBound, byteCount: 2 * rows.count)
        return Q4Tensor(name: "\(name)[\(rows), \(cols)]", shape: [rows.count, width], packed: UnsafeRawPointer(packed),
                        scales: UnsafeRawPointer(scaleBytes), storage: storage)
    }
}
