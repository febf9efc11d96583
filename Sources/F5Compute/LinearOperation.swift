/// One step of a model around linear layers that read the same input, in as few regions as the path allows:
/// `prepare(rows)` writes rows of the input x (a pointwise pass such as a LayerNorm, fused on the direct path
/// with the quantization of those rows, done once for every layer), every layer reads x and writes its output,
/// and `finish(layer, rows, columns)` completes each piece of an output where it was computed (GELU, RoPE, a
/// gated residual). The result is the same as running the pieces one after another.
public enum LinearOperation {
    public typealias Finish = (_ layer: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Void

    /// `outputs[l]` is `[rows, layers[l].outFeatures]` row-major.
    public static func run(_ name: String, layers: [any LinearLayer], input x: UnsafeMutablePointer<Float>, rows: Int,
                           outputs: [UnsafeMutablePointer<Float>], prepare: ((Range<Int>) -> Void)? = nil, finish: Finish? = nil) {
        precondition(layers.count == outputs.count, "one output per layer")
        if let direct = DirectInt4Linear.group(layers) {
            DirectInt4Linear.run(name, direct, input: x, rows: rows, outputs: zip(outputs, direct).map { ($0, $1.outFeatures) },
                                 prepare: prepare, finish: finish)
            return
        }
        if let prepare { ComputeThreads.parallelChunks(name + ".input", count: rows, grain: Elementwise.taskRows, prepare) }
        for (l, layer) in layers.enumerated() {
            layer.forward(x, rows: rows, into: outputs[l], ldy: layer.outFeatures, name: name)
            if let finish {
                ComputeThreads.parallelChunks(name + ".finish", count: rows, grain: Elementwise.taskRows) { finish(l, $0, 0..<layer.outFeatures) }
            }
        }
    }
}
