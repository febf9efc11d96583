import F5Bundle

/// A linear layer used once per synthesis (the AdaLN modulations, computed for every step at once),
/// which keeps no copy of its weights: each call dequantizes row tiles of the bundle's Q4 data into
/// scratch memory, multiplies with sgemm, and drops the bundle's pages from the resident set again.
/// Its numbers are the dequant path's (the reference's fp32 weights), whichever path runs the rest.
public final class TransientLinear: LinearLayer {
    private let layer: DequantLinear

    public init(weight: Q4Tensor, bias: [Float]?) {
        layer = DequantLinear(weight: weight, bias: bias, cache: DequantTileCache(budgetBytes: 0))
    }

    public var inFeatures: Int { layer.inFeatures }
    public var outFeatures: Int { layer.outFeatures }

    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, name: String) {
        layer.forward(x, rows: rows, into: y, ldy: ldy, name: name)
        layer.weight.releaseResidentPages()
    }

    public func forwardTask(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        layer.forwardTask(x, rows: rows, into: y, ldy: ldy)
        layer.weight.releaseResidentPages()
    }
}
