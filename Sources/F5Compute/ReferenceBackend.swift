import F5Bundle

/// The plain twin of every linear path: decodes each code with `Q4Tensor.code(row:col:)` and
/// accumulates in float64. For tests and checks only (slow).
public final class ReferenceBackend: LinearBackend {
    public let name = "reference"
    public let attention = AttentionKind.fp32
    public init() {}

    public func prepare(_ weight: Q4Tensor, bias: [Float]?) -> any LinearLayer {
        ReferenceLinear(weight: weight, bias: bias)
    }
}

public final class ReferenceLinear: LinearLayer {
    public let weight: Q4Tensor
    public let bias: [Float]?
    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }

    public init(weight: Q4Tensor, bias: [Float]?) {
        precondition(bias == nil || bias!.count == weight.rows, "bias length must equal the output features")
        self.weight = weight
        self.bias = bias
    }

    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, name: String) {
        forwardTask(x, rows: rows, into: y, ldy: ldy)
    }

    public func forwardTask(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int) {
        for r in 0..<rows {
            for o in 0..<outFeatures { y[r * ldy + o] = Float(value(x + r * inFeatures, output: o)) }
        }
    }

    /// One output in float64: sum_c code(o, c) * scale(o) * x[c] + bias[o].
    public func value(_ x: UnsafePointer<Float>, output o: Int) -> Double {
        var sum = 0.0
        for c in 0..<inFeatures { sum += Double(weight.code(row: o, col: c)) * Double(x[c]) }
        return sum * Double(weight.scale(row: o)) + Double(bias?[o] ?? 0)
    }
}
