import F5Bundle

/// `y = x · Wᵀ + b` for a Q4 weight `W` of shape `[outFeatures, inFeatures]` and `rows` fp32 input rows.
/// The model code only sees this protocol; which execution path runs behind it is chosen at run time.
public protocol LinearLayer: AnyObject, Sendable {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// `x` is `[rows, inFeatures]` row-major, `y` is `[rows, outFeatures]` row-major.
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>)
}

/// An execution path for Q4 linear layers: prepares each weight once at load.
public protocol LinearBackend: AnyObject, Sendable {
    var name: String { get }
    /// The attention arithmetic that goes with this path.
    var attention: AttentionKind { get }
    func prepare(_ weight: Q4Tensor, bias: [Float]?) -> any LinearLayer
}
