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

    /// In place on q and k [batch * frames, rowStride] (as to_q / to_k produce them), as one region.
    func apply(_ q: UnsafeMutablePointer<Float>, _ k: UnsafeMutablePointer<Float>, frames: Int, batch: Int, rowStride: Int,
               table: Table) {
        let pairs = headDim / 2
        let cosines = table.cos.pointer, sines = table.sin.pointer
        let rows = batch * frames
        ComputeThreads.parallelChunks("attn.rope", count: rows, grain: Elementwise.taskRows,
                                      bytes: 16 * rows * rotatedHeads * headDim) { range in
            for x in [q, k] {
                for r in range {
                    let p = r % frames
                    let c = cosines + p * pairs, s = sines + p * pairs
                    for head in 0..<rotatedHeads {
                        let v = x + r * rowStride + head * headDim
                        for i in 0..<pairs {
                            let a = v[2 * i], b = v[2 * i + 1]
                            v[2 * i] = a * c[i] - b * s[i]
                            v[2 * i + 1] = b * c[i] + a * s[i]
                        }
                    }
                }
            }
        }
    }
}
