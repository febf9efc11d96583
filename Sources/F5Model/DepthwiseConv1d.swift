/// Conv1d with groups == channels along time, zero padding k/2, on frame-major [frames, channels].
struct DepthwiseConv1d {
    let channels: Int
    let kernelSize: Int
    /// [channels, kernelSize] (torch [channels, 1, k]).
    let weight: [Float]
    let bias: [Float]

    init(_ weights: ModelWeights, _ name: String, channels: Int, kernelSize: Int) throws {
        self.channels = channels
        self.kernelSize = kernelSize
        weight = try weights.floats(name + ".weight", shape: [channels, 1, kernelSize])
        bias = try weights.floats(name + ".bias", shape: [channels])
    }

    func forward(_ x: UnsafePointer<Float>, frames: Int, into y: UnsafeMutablePointer<Float>) {
        let pad = kernelSize / 2, c = channels
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for t in 0..<frames {
                    let out = y + t * c
                    for ch in 0..<c { out[ch] = b[ch] }
                    for k in 0..<kernelSize {
                        let source = t + k - pad
                        guard source >= 0 && source < frames else { continue }
                        let row = x + source * c
                        for ch in 0..<c { out[ch] += w[ch * kernelSize + k] * row[ch] }
                    }
                }
            }
        }
    }
}
