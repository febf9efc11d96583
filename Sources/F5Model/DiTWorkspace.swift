import F5Bundle
/// Every activation buffer of one DiT forward, sized for batch * frames rows once per synthesis and
/// reused by every step (and by every block within a step). Buffers that are never live at the same
/// time share memory, so a row costs 3 stream widths plus one `scratch` width.
final class DiTWorkspace {
    /// The residual stream x [rows, dim].
    let residual: UnsafeMutablePointer<Float>
    /// Input of a sub-layer, then (attention) the per-head outputs; h inside the input embedding
    /// [rows, max(dim, inner)].
    let hidden: UnsafeMutablePointer<Float>
    /// Output of attention / feed-forward / the first position conv; also the attention's query and
    /// proj_x(x) of the input embedding before that [rows, max(dim, inner)].
    let branch: UnsafeMutablePointer<Float>
    /// key, value: the attention's [rows, inner] each.
    let key: UnsafeMutablePointer<Float>
    let value: UnsafeMutablePointer<Float>
    /// The feed-forward's hidden layer [rows, dim * ffMult].
    let feedForward: UnsafeMutablePointer<Float>
    private let buffers: [FloatBuffer]

    init(architecture a: F5Architecture, frames: Int, batch: Int) {
        let rows = frames * batch, inner = a.heads * a.dimHead
        // key + value and the feed-forward run one after another: one scratch.
        let scratch = FloatBuffer(max(2 * rows * inner, rows * a.dim * a.ffMult))
        let stream = [FloatBuffer(rows * a.dim)] + (0..<2).map { _ in FloatBuffer(rows * max(a.dim, inner)) }
        buffers = stream + [scratch]
        (residual, hidden, branch) = (stream[0].pointer, stream[1].pointer, stream[2].pointer)
        (key, value, feedForward) = (scratch.pointer, scratch.pointer + rows * inner, scratch.pointer)
    }
}
