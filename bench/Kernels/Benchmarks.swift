import COpenBLAS
import F5Bundle
import F5Compute

enum Benchmark: Equatable {
    case linear(m: Int, n: Int, k: Int)
    case attention(n: Int, heads: Int, headDim: Int)
}

enum BenchmarkResult {
    case linear(LinearResult)
    case attention(AttentionResult)

    var linear: LinearResult? { if case .linear(let r) = self { return r } else { return nil } }
    var attention: AttentionResult? { if case .attention(let r) = self { return r } else { return nil } }
}

/// A random Q4 weight in the bundle layout (random bytes are valid codes).
func randomQ4(rows: Int, cols: Int) -> Q4Tensor {
    let packedBytes = (rows * cols + 1) / 2
    let storage = AlignedBuffer(byteCount: packedBytes + 2 * rows)
    var state: UInt64 = 12345
    for i in 0..<packedBytes {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        storage.raw.storeBytes(of: UInt8(truncatingIfNeeded: state >> 33), toByteOffset: i, as: UInt8.self)
    }
    let scales = storage.raw + packedBytes
    for r in 0..<rows { Half.store(0.01 + Float(r % 7) * 0.001, to: scales, index: r) }
    return Q4Tensor(name: "bench", shape: [rows, cols], packed: storage.raw, scales: scales, storage: storage)
}

func randomFloats(_ count: Int) -> [Float] { (0..<count).map { Float(($0 * 7919) % 2001 - 1000) / 1000 } }

struct KernelBenchmarks {
    var sampling: Sampling
    /// Query block of `Attention.forward` (nil: its default).
    var attentionBlock: Int?

    func run(_ benchmark: Benchmark) -> BenchmarkResult {
        switch benchmark {
        case let .linear(m, n, k): return .linear(linear(m: m, n: n, k: k))
        case let .attention(n, heads, headDim): return .attention(attention(n: n, heads: heads, headDim: headDim))
        }
    }

    /// sgemm on the fp32 weight, the cached dequant path and the direct path, sampled together.
    func linear(m: Int, n: Int, k: Int) -> LinearResult {
        let weight = randomQ4(rows: n, cols: k)
        let dense = weight.dequantized()
        let x = randomFloats(m * k)
        var y = [Float](repeating: 0, count: m * n)
        let flop = 2.0 * Double(m * n * k)
        // First call: a fresh layer each time (dequantization included); reported, not gated.
        let firstCall = median((0..<3).map { _ in
            timePerCall(1) {
                let layer = DequantBLASBackend().prepare(weight, bias: nil)
                layer.forward(x, rows: m, into: &y)
            }
        })
        let dequant = DequantBLASBackend().prepare(weight, bias: nil)
        let direct = DirectInt4Backend().prepare(weight, bias: nil)
        let directInt8 = DirectInt4Backend(activations: .int8).prepare(weight, bias: nil)
        let kernels: [() -> Void] = [
            // OpenBLAS with its own threads: the baseline is sgemm as any caller gets it.
            { ComputeThreads.withOpenBLASThreads {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, x, Int32(k), dense, Int32(k), 0, &y, Int32(n))
            } },
            { dequant.forward(x, rows: m, into: &y) },
            { direct.forward(x, rows: m, into: &y) },
            { directInt8.forward(x, rows: m, into: &y) },
        ]
        let (t, load) = measuringOthers { interleavedSamples(kernels, watch: [(1, 0), (2, 1)], sampling: sampling) }
        var cachedOverSgemm = RatioStats(ratios(t, 1, over: 0)), directOverDequant = RatioStats(ratios(t, 2, over: 1))
        cachedOverSgemm.otherCores = load
        directOverDequant.otherCores = load
        return LinearResult(m: m, n: n, k: k, sgemm: flop / median(t[0]) / 1e9, dequantFirstCall: flop / firstCall / 1e9,
                            dequantCached: flop / median(t[1]) / 1e9, direct: flop / median(t[2]) / 1e9,
                            directInt8: flop / median(t[3]) / 1e9,
                            dequantCachedOverSgemm: cachedOverSgemm.median, directOverDequant: directOverDequant.median,
                            dequantCachedOverSgemmStats: cachedOverSgemm, directOverDequantStats: directOverDequant)
    }

    /// Blocked fp32 attention against sgemm-softmax-sgemm per head and against int8 attention, sampled together.
    func attention(n: Int, heads: Int, headDim: Int) -> AttentionResult {
        let width = heads * headDim
        let q = randomFloats(n * width), k = q.reversed() as [Float], v = randomFloats(n * width).map { $0 * 0.5 }
        var out = [Float](repeating: 0, count: n * width)
        let block = attentionBlock
        func blocked(_ kind: AttentionKind) {
            Attention.forward(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: headDim, queryBlock: block ?? 64,
                              kind: kind)
        }
        let kernels: [() -> Void] = [
            { blocked(.fp32) },
            { Attention.materialized(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: headDim) },
            { blocked(.int8) },
        ]
        let (t, load) = measuringOthers { interleavedSamples(kernels, watch: [(0, 1), (2, 0)], sampling: sampling) }
        var speedup = RatioStats(ratios(t, 0, over: 1)), int8Speedup = RatioStats(ratios(t, 2, over: 0))
        speedup.otherCores = load
        int8Speedup.otherCores = load
        let fp32 = median(t[0]), plain = median(t[1]), int8 = median(t[2])
        let flop = 4.0 * Double(n * n * headDim * heads)
        return AttentionResult(n: n, heads: heads, headDim: headDim, blockedGFLOPS: flop / fp32 / 1e9,
                               materializedGFLOPS: flop / plain / 1e9, blockedMs: fp32 * 1e3, materializedMs: plain * 1e3,
                               speedup: speedup.median, speedupStats: speedup, int8GFLOPS: flop / int8 / 1e9,
                               int8Ms: int8 * 1e3, int8Speedup: int8Speedup.median, int8SpeedupStats: int8Speedup)
    }
}
