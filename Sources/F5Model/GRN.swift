import Foundation

/// ConvNeXt-V2 global response normalization over the time axis:
/// G_c = ||x[:, c]||_2, N_c = G_c / (mean_c G + 1e-6), y = gamma * (x * N) + beta + x.
struct GRN {
    let gamma: [Float]
    let beta: [Float]

    init(_ weights: ModelWeights, _ name: String, dim: Int) throws {
        gamma = try weights.floats(name + ".gamma", shape: [1, 1, dim])
        beta = try weights.floats(name + ".beta", shape: [1, 1, dim])
    }

    /// In place on [frames, dim]; the norm covers every frame, filler ones included (as the reference).
    func forward(_ x: UnsafeMutablePointer<Float>, frames: Int) {
        let dim = gamma.count
        var squares = [Double](repeating: 0, count: dim)
        for t in 0..<frames {
            let row = x + t * dim
            for c in 0..<dim { squares[c] += Double(row[c]) * Double(row[c]) }
        }
        let norms = squares.map { Float($0.squareRoot()) }
        let mean = norms.reduce(0, +) / Float(dim)
        let scale = norms.map { $0 / (mean + 1e-6) }
        for t in 0..<frames {
            let row = x + t * dim
            for c in 0..<dim { row[c] = gamma[c] * (row[c] * scale[c]) + beta[c] + row[c] }
        }
    }
}
