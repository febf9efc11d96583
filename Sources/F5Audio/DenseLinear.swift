import COpenBLAS
import F5Compute

/// `y = x · Wᵀ + b` with fp32 weights, for vocoder bundles stored dense (fp16/fp32) rather than Q4.
final class DenseLinear: LinearLayer {
    let weight: [Float]
    let bias: [Float]
    let inFeatures: Int
    let outFeatures: Int

    init(weight: [Float], bias: [Float], outFeatures: Int, inFeatures: Int) {
        self.weight = weight; self.bias = bias; self.outFeatures = outFeatures; self.inFeatures = inFeatures
    }

    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outFeatures), Int32(inFeatures),
                    1, x, Int32(inFeatures), weight, Int32(inFeatures), 1, y, Int32(outFeatures))
    }
}
