import F5Bundle
import Foundation

/// Token embedding (+1 shift: filler / padding -1 becomes row 0), the absolute sinusoidal position
/// table, then ConvNeXtV2 blocks. With `maskPadding` (v1) filler positions are zeroed before the
/// first block and after every block.
final class TextEmbedding: Sendable {
    /// Rows of the reference's precomputed position table (`precompute_max_pos`); longer sequences
    /// cannot be embedded by the reference either.
    static let maxPositions = 8192
    let textDim: Int
    /// Token ids 0..<vocabularySize (the table has one more row, the filler).
    let vocabularySize: Int
    let maskPadding: Bool
    /// [vocabularySize + 1, textDim].
    let table: [Float]
    let blocks: [ConvNeXtV2Block]

    init(_ weights: ModelWeights, architecture a: F5Architecture) throws {
        let name = "text_embed.text_embed.weight"
        let shape = try weights.shape(name)
        guard shape.count == 2, shape[0] >= 2, shape[1] == a.textDim else {
            throw ModelError.tensorShape(tensor: weights.prefix + name, expected: [max(2, shape.first ?? 2), a.textDim], found: shape)
        }
        textDim = a.textDim
        vocabularySize = shape[0] - 1
        maskPadding = a.textMaskPadding
        table = try weights.floats(name, shape: shape)
        blocks = try (0..<a.convLayers).map { try ConvNeXtV2Block(weights, index: $0, dim: a.textDim, innerDim: 2 * a.textDim) }
    }

    /// `precompute_freqs_cis(textDim, .)` row p: [cos(p w_i), sin(p w_i)], w_i = 1 / 10000^(2i / textDim),
    /// each factor rounded to float32 as torch does.
    static func addPositionTable(_ x: UnsafeMutablePointer<Float>, frames: Int, dim: Int) {
        let half = dim / 2
        let frequencies = (0..<half).map { i -> Float in
            1 / Float(pow(10000.0, Double(Float(2 * i) / Float(dim))))
        }
        for p in 0..<frames {
            let row = x + p * dim
            for i in 0..<half {
                let angle = Float(p) * frequencies[i]
                row[i] += cos(angle)
                row[half + i] += sin(angle)
            }
        }
    }

    /// x [frames, textDim] for `ids` (already validated: -1 ..< vocabularySize). `scratch` holds
    /// frames * 3 * textDim floats.
    func forward(ids: [Int32], frames: Int, dropText: Bool, into x: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>) {
        // +1 shift, truncated or filler-padded to the frame count; the mask is taken before the drop.
        let tokens = (0..<frames).map { p in p < ids.count ? Int(ids[p]) + 1 : 0 }
        let filler = tokens.map { $0 == 0 }
        table.withUnsafeBufferPointer { t in
            for p in 0..<frames {
                let row = dropText ? 0 : tokens[p]
                (x + p * textDim).update(from: t.baseAddress! + row * textDim, count: textDim)
            }
        }
        Self.addPositionTable(x, frames: frames, dim: textDim)
        guard maskPadding else {
            for block in blocks { block.forward(x, frames: frames, scratch: scratch) }
            return
        }
        zeroFiller(x, filler)
        for block in blocks {
            block.forward(x, frames: frames, scratch: scratch)
            zeroFiller(x, filler)
        }
    }

    private func zeroFiller(_ x: UnsafeMutablePointer<Float>, _ filler: [Bool]) {
        for (p, isFiller) in filler.enumerated() where isFiller { (x + p * textDim).update(repeating: 0, count: textDim) }
    }
}
