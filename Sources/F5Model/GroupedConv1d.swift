import F5Bundle
import F5Compute

/// Conv1d with `groups` groups, zero padding k/2, on frame-major [batch * frames, channels]: per group,
/// the input windows are unrolled (im2col) into rows of perGroup * k values, matching the weight's
/// row layout [out, in_local, k], and multiplied by that group's rows of the weight as a linear layer,
/// so the convolution runs on whichever backend the model uses.
final class GroupedConv1d: Sendable {
    let channels: Int
    let kernelSize: Int
    let perGroup: Int
    let groupLayers: [Linear]
    /// Rows of one task: whole tiles of the direct GEMM kernels; 2424 rows and 16 groups give 416 tasks.
    static let taskRows = 96

    init(_ weights: ModelWeights, _ name: String, channels: Int, groups: Int, kernelSize: Int) throws {
        self.channels = channels
        self.kernelSize = kernelSize
        perGroup = channels / groups
        let weight = try weights.q4(name + ".weight", shape: [channels, perGroup, kernelSize])
        let bias = try weights.floats(name + ".bias", shape: [channels])
        let width = perGroup * kernelSize
        groupLayers = (0..<groups).map { [perGroup] g in
            let rows = g * perGroup ..< (g + 1) * perGroup
            return Linear(weights.backend.prepare(weight.slice(rows: rows, cols: 0..<width), bias: Array(bias[rows])),
                          name: name)
        }
    }

    /// y = conv(x), then `epilogue(block, rows)` on each task's output block (its rows of one group's columns,
    /// row stride `channels`), as one region: a task unrolls one group's windows for `taskRows` rows into
    /// its own scratch and multiplies them on the calling thread.
    func forward(_ x: UnsafePointer<Float>, frames: Int, batch: Int, into y: UnsafeMutablePointer<Float>, name: String,
                 epilogue: (_ block: UnsafeMutablePointer<Float>, _ column: Int, _ rows: Range<Int>) -> Void) {
        let rows = batch * frames, width = perGroup * kernelSize, pad = kernelSize / 2
        let (c, k, pg) = (channels, kernelSize, perGroup)
        let rowTiles = (rows + Self.taskRows - 1) / Self.taskRows
        ComputeThreads.parallelFor(name, tasks: groupLayers.count * rowTiles) { task in
            let g = task / rowTiles, r0 = task % rowTiles * Self.taskRows, r1 = min(rows, r0 + Self.taskRows)
            Scratch.floats((r1 - r0) * width) { columns in
                for r in r0..<r1 {
                    let item = r / frames, t = r % frames
                    let out = columns + (r - r0) * width
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
                let block = y + r0 * c + g * pg
                groupLayers[g].layer.forwardTask(columns, rows: r1 - r0, into: block, ldy: c)
                epilogue(block, g * pg, r0..<r1)
            }
        }
    }
}
