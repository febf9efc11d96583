import F5Compute

/// nn.Linear on `rows` fp32 rows, whichever backend prepared it. `name` (the weight's tensor name) names
/// its regions in step traces.
struct Linear {
    let layer: any LinearLayer
    let name: String

    init(_ layer: any LinearLayer, name: String) {
        self.layer = layer
        self.name = name
    }

    @inline(__always)
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        layer.forward(x, rows: rows, into: y, ldy: layer.outFeatures, name: name)
    }
}
