import COpenBLAS

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

    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outFeatures), Int32(inFeatures),
                    1, x, Int32(inFeatures), weight, Int32(inFeatures), 1, y, Int32(outFeatures))
    }
}
