import F5Bundle
import F5Compute

/// Conv1d with `groups` groups, zero padding k/2, on frame-major [batch * frames, channels]: per group,
/// the input windows are unrolled (im2col) into rows of perGroup * k values, matching the weight's
/// row layout [out, in_local, k], and multiplied by that group's rows of the weight as a linear layer,
/// so the convolution runs on whichever backend the model uses.
final class GroupedConv1d {
    let channels: Int
    let kernelSize: Int
    let perGroup: Int
    let groupLayers: [Linear]

    init(_ weights: ModelWeights, _ name: String, channels: Int, groups: Int, kernelSize: Int) throws {
        self.channels = channels
        self.kernelSize = kernelSize
        perGroup = channels / groups
        let weight = try weights.q4(name + ".weight", shape: [channels, perGroup, kernelSize])
        let bias = try weights.floats(name + ".bias", shape: [channels])
        let width = perGroup * kernelSize
        groupLayers = (0..<groups).map { [perGroup] g in
            let rows = g * perGroup ..< (g + 1) * perGroup
            return Linear(weights.backend.prepare(weight.slice(rows: rows, cols: 0..<width), bias: Array(bias[rows])))
        }
    }

    /// Floats of the `columns` scratch for `rows` = batch * frames rows; `groupOutput` needs rows * perGroup.
    func columnCount(rows: Int) -> Int { rows * perGroup * kernelSize }

    func forward(_ x: UnsafePointer<Float>, frames: Int, batch: Int, into y: UnsafeMutablePointer<Float>,
                 columns: UnsafeMutablePointer<Float>, groupOutput: UnsafeMutablePointer<Float>) {
        let rows = batch * frames, width = perGroup * kernelSize, pad = kernelSize / 2
        let (c, k, pg) = (channels, kernelSize, perGroup)
        for (g, layer) in groupLayers.enumerated() {
            ComputeThreads.parallelRanges(rows, minimumPerThread: 64) { range in
                for r in range {
                    let item = r / frames, t = r % frames
                    let out = columns + r * width
                    for kk in 0..<k {
                        let source = t + kk - pad
                        if source < 0 || source >= frames {
                            for ch in 0..<pg { out[ch * k + kk] = 0 }
                        } else {
                            let input = x + (item * frames + source) * c + g * pg
                            for ch in 0..<pg { out[ch * k + kk] = input[ch] }
                        }
                    }
                }
            }
            layer(columns, rows: rows, into: groupOutput)
            for r in 0..<rows { (y + r * c + g * pg).update(from: groupOutput + r * pg, count: pg) }
        }
    }
}
