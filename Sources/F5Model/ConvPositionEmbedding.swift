import F5Bundle
import F5Compute

/// Conv1d(k=31, groups 16) -> Mish -> Conv1d -> Mish, over time.
final class ConvPositionEmbedding {
    static let kernelSize = F5Architecture.positionConvKernel
    static let groups = F5Architecture.positionConvGroups
    let conv1: GroupedConv1d
    let conv2: GroupedConv1d

    init(_ weights: ModelWeights, dim: Int) throws {
        let p = "input_embed.conv_pos_embed.conv1d."
        conv1 = try GroupedConv1d(weights, p + "0", channels: dim, groups: Self.groups, kernelSize: Self.kernelSize)
        conv2 = try GroupedConv1d(weights, p + "2", channels: dim, groups: Self.groups, kernelSize: Self.kernelSize)
    }

    /// y = Mish(conv2(Mish(conv1(x)))); `hidden` is [batch * frames, dim].
    func forward(_ x: UnsafePointer<Float>, frames: Int, batch: Int, into y: UnsafeMutablePointer<Float>,
                 hidden: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>, groupOutput: UnsafeMutablePointer<Float>) {
        let count = batch * frames * conv1.channels
        conv1.forward(x, frames: frames, batch: batch, into: hidden, columns: columns, groupOutput: groupOutput)
        Pointwise.apply(Elementwise.mish, hidden, count: count)
        conv2.forward(hidden, frames: frames, batch: batch, into: y, columns: columns, groupOutput: groupOutput)
        Pointwise.apply(Elementwise.mish, y, count: count)
    }
}
