/// `y = x · Wᵀ + b` with fp32 weights (OpenBLAS sgemm): layers stored dense (fp16/fp32) rather than
/// Q4, such as some vocoder bundles' linears and the vocoder's input convolution after im2col.
public final class DenseLinear: LinearLayer {
    let weight: [Float]
    let bias: [Float]
    public let inFeatures: Int
    public let outFeatures: Int

    /// `weight` is [outFeatures, inFeatures] row-major, `bias` [outFeatures].
    public init(weight: [Float], bias: [Float], outFeatures: Int, inFeatures: Int) {
        precondition(weight.count == outFeatures * inFeatures && bias.count == outFeatures, "DenseLinear shapes")
        self.weight = weight; self.bias = bias; self.outFeatures = outFeatures; self.inFeatures = inFeatures
    }

    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, name: String) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                SgemmTiles.multiply(name, x: x, rows: rows, k: inFeatures, w: w.baseAddress, n: outFeatures,
                                    bias: b.baseAddress, y: y, ldy: ldy)
            }
        }
    }

    public func forwardTask(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                SgemmTiles.multiplyTask(x: x, rows: rows, k: inFeatures, w: w.baseAddress, n: outFeatures,
                                        bias: b.baseAddress, y: y, ldy: ldy)
            }
        }
    }
}
