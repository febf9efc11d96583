import F5Bundle

/// `y = x · Wᵀ + b` for a Q4 weight `W` of shape `[outFeatures, inFeatures]` and `rows` fp32 input rows.
/// The model code only sees this protocol; which execution path runs behind it is chosen at run time.
public protocol LinearLayer: AnyObject, Sendable {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// The whole layer on every compute thread, as parallel regions named `name` in traces.
    /// `x` is `[rows, inFeatures]` row-major, `y` is `[rows, outFeatures]` with row stride `ldy`.
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, name: String)
    /// The same for the rows of one task of the caller's region, on the calling thread alone.
    func forwardTask(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int)
}

extension LinearLayer {
    /// `y` is `[rows, outFeatures]` row-major.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        forward(x, rows: rows, into: y, ldy: outFeatures, name: "linear")
    }
}

/// An execution path for Q4 linear layers: prepares each weight once at load.
public protocol LinearBackend: AnyObject, Sendable {
    var name: String { get }
    /// The attention arithmetic that goes with this path.
    var attention: AttentionKind { get }
    func prepare(_ weight: Q4Tensor, bias: [Float]?) -> any LinearLayer
}
