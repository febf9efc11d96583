import F5Bundle
import F5Compute

/// Conv1d(k=31, groups 16) -> Mish -> Conv1d -> Mish, over time.
final class ConvPositionEmbedding: Sendable {
    static let kernelSize = F5Architecture.positionConvKernel
    static let groups = F5Architecture.positionConvGroups
    let conv1: GroupedConv1d
    let conv2: GroupedConv1d

    init(_ weights: ModelWeights, dim: Int) throws {
        let p = "input_embed.conv_pos_embed.conv1d."
        conv1 = try GroupedConv1d(weights, p + "0", channels: dim, groups: Self.groups, kernelSize: Self.kernelSize)
        conv2 = try GroupedConv1d(weights, p + "2", channels: dim, groups: Self.groups, kernelSize: Self.kernelSize)
    }

    /// y = x + Mish(conv2(Mish(conv1(x)))) in two regions, the Mish and the residual applied by each task
    /// to the block it computed; `hidden` is [batch * frames, dim].
    func forward(_ x: UnsafePointer<Float>, frames: Int, batch: Int, into y: UnsafeMutablePointer<Float>,
                 hidden: UnsafeMutablePointer<Float>) {
        let c = conv1.channels, pg = conv1.perGroup
        conv1.forward(x, frames: frames, batch: batch, into: hidden, name: "input_embed.conv_pos_embed.conv1d.0") { block, _, rows in
            for r in 0..<rows.count { Elementwise.mish(block + r * c, block + r * c, count: pg) }
        }
        conv2.forward(hidden, frames: frames, batch: batch, into: y, name: "input_embed.conv_pos_embed.conv1d.2") { block, column, rows in
            for r in 0..<rows.count {
                let out = block + r * c, residual = x + (rows.lowerBound + r) * c + column
                Elementwise.mish(out, out, count: pg)
                for i in 0..<pg { out[i] += residual[i] }
            }
        }
    }
}
