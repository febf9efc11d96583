import F5Compute

/// nn.Linear on `rows` fp32 rows, whichever backend prepared it.
struct Linear {
    let layer: any LinearLayer

    init(_ layer: any LinearLayer) { self.layer = layer }

    @inline(__always)
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        layer.forward(x, rows: rows, into: y)
    }
}
