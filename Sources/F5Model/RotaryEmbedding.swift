import F5Compute
import Foundation

/// x-transformers RotaryEmbedding(dimHead) as F5 uses it: angle(p, i) = p * inv_freq_i with
/// inv_freq_i = 1 / 10000^(2i / dimHead), applied to interleaved pairs (2i, 2i+1) of the first
/// `rotatedHeads` heads of q and k (v0: head 0 only, v1: all heads).
struct RotaryEmbedding {
    let headDim: Int
    let rotatedHeads: Int

    /// cos / sin of every (frame, pair), [frames, headDim / 2] each, in float32 as torch.
    final class Table {
        let frames: Int
        let cos: FloatBuffer
        let sin: FloatBuffer

        init(frames: Int, headDim: Int) {
            let pairs = headDim / 2
            let inverseFrequencies = (0..<pairs).map { i -> Float in
                1 / Float(pow(10000.0, Double(Float(2 * i) / Float(headDim))))
            }
            self.frames = frames
            cos = FloatBuffer(frames * pairs)
            sin = FloatBuffer(frames * pairs)
            for p in 0..<frames {
                for i in 0..<pairs {
                    let angle = Float(p) * inverseFrequencies[i]
                    cos.pointer[p * pairs + i] = Foundation.cos(angle)
                    sin.pointer[p * pairs + i] = Foundation.sin(angle)
                }
            }
        }
    }

    /// In place on rows `rows` and columns `columns` (starting at an even column) of q or k [batch * frames,
    /// rowStride] as to_q / to_k produce them: a tile of the caller's region.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, columns: Range<Int>, frames: Int, rowStride: Int, table: Table) {
        let pairs = headDim / 2, rotated = min(columns.upperBound, rotatedHeads * headDim)
        guard columns.lowerBound < rotated else { return }
        for r in rows {
            let p = r % frames
            let c = table.cos.pointer + p * pairs, s = table.sin.pointer + p * pairs
            let v = x + r * rowStride
            for column in stride(from: columns.lowerBound, to: rotated, by: 2) {
                let i = column % headDim / 2
                let a = v[column], b = v[column + 1]
                v[column] = a * c[i] - b * s[i]
                v[column + 1] = b * c[i] + a * s[i]
            }
        }
    }
}
