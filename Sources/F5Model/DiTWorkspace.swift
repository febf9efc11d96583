import F5Bundle
/// Every activation buffer of one DiT forward, sized for batch * frames rows once per synthesis and
/// reused by every step (and by every block within a step).
final class DiTWorkspace {
    /// The residual stream x [rows, dim].
    let residual: UnsafeMutablePointer<Float>
    /// Normalised / modulated input of a sub-layer, and h inside the input embedding [rows, dim].
    let hidden: UnsafeMutablePointer<Float>
    /// Output of attention / feed-forward / the first position conv [rows, dim].
    let branch: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    let feedForward: UnsafeMutablePointer<Float>
    /// proj_x(x) for one branch [frames, dim].
    let xProjection: UnsafeMutablePointer<Float>
    /// im2col rows of the grouped convolutions and one group's output.
    let columns: UnsafeMutablePointer<Float>
    let groupOutput: UnsafeMutablePointer<Float>
    private let buffers: [FloatBuffer]

    init(architecture a: F5Architecture, frames: Int, batch: Int, convolution: GroupedConv1d) {
        let rows = frames * batch, inner = a.heads * a.dimHead
        func make(_ count: Int) -> FloatBuffer { FloatBuffer(count) }
        let stream = (0..<3).map { _ in make(rows * a.dim) }
        let attention = (0..<4).map { _ in make(rows * inner) }
        let others = [make(rows * a.dim * a.ffMult), make(frames * a.dim), make(convolution.columnCount(rows: rows)),
                      make(rows * convolution.perGroup)]
        buffers = stream + attention + others
        (residual, hidden, branch) = (stream[0].pointer, stream[1].pointer, stream[2].pointer)
        (query, key, value, self.attention) = (attention[0].pointer, attention[1].pointer, attention[2].pointer, attention[3].pointer)
        (feedForward, xProjection, columns, groupOutput) = (others[0].pointer, others[1].pointer, others[2].pointer, others[3].pointer)
    }
}
