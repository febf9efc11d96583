// Kernel benchmark: sgemm on fp32 weights vs the dequant and direct Q4 paths, and blocked vs
// materialised attention. Usage: f5tts-bench-kernels [--quick] [--json PATH] [--attention-only]
// [--attention N[,N...]] (attention sequence lengths; default 1212, or 256 with --quick)
// [--attention-block B] (query block of Attention.forward; default its own)
// [--baseline PATH [--max-regression 0.25]] (fail when a ratio fell by more than that against a stored report)
import COpenBLAS
import F5Bundle
import F5Compute
import Foundation

OpenBLASSetup.reexecWithBestCore()
ComputeThreads.configure()

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let jsonPath = arguments.firstIndex(of: "--json").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let attentionOnly = arguments.contains("--attention-only")
let attentionLengths = arguments.firstIndex(of: "--attention")
    .flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    .map { $0.split(separator: ",").compactMap { Int($0) } } ?? [quick ? 256 : 1212]
let baselinePath = arguments.firstIndex(of: "--baseline").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let maxRegression = arguments.firstIndex(of: "--max-regression").flatMap { $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil } ?? 0.25
let attentionBlock = arguments.firstIndex(of: "--attention-block").flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil }

let environment = ComputeEnvironment.current()
let check = OpenBLASSetup.selfCheck()
print("machine: \(environment.summary)")
print("OpenBLAS self-check: \(check.passed ? "ok" : "FAILED") (relative error \(check.maxRelativeError))")

/// A random Q4 weight written in the bundle layout (the storage keeps the bytes alive).
final class Bytes {
    let raw: UnsafeMutableRawPointer
    init(_ count: Int) { raw = .allocate(byteCount: count, alignment: 64) }
    deinit { raw.deallocate() }
}

func randomQ4(rows: Int, cols: Int) -> Q4Tensor {
    let packedBytes = (rows * cols + 1) / 2
    let storage = Bytes(packedBytes + 2 * rows)
    var state: UInt64 = 12345
    for i in 0..<packedBytes {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        storage.raw.storeBytes(of: UInt8(truncatingIfNeeded: state >> 33), toByteOffset: i, as: UInt8.self)
    }
    let scales = storage.raw + packedBytes
    for r in 0..<rows {
        let h = Half.fromFloat(0.01 + Float(r % 7) * 0.001)
        scales.storeBytes(of: UInt8(h & 0xFF), toByteOffset: 2 * r, as: UInt8.self)
        scales.storeBytes(of: UInt8(h >> 8), toByteOffset: 2 * r + 1, as: UInt8.self)
    }
    return Q4Tensor(name: "bench", shape: [rows, cols], packed: storage.raw, scales: scales, storage: storage)
}

func randomFloats(_ count: Int) -> [Float] { (0..<count).map { Float(($0 * 7919) % 2001 - 1000) / 1000 } }

func benchLinear(m: Int, n: Int, k: Int) -> LinearResult {
    let weight = randomQ4(rows: n, cols: k)
    let dense = weight.dequantized()
    let x = randomFloats(m * k)
    var y = [Float](repeating: 0, count: m * n)
    let flop = 2.0 * Double(m * n * k)
    let sgemm = bestTime {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, x, Int32(k), dense, Int32(k), 0, &y, Int32(n))
    }
    // First call: a fresh layer each run (dequantization included).
    let first = bestTime(minRuns: 3, minSeconds: 0) {
        let layer = DequantBLASBackend().prepare(weight, bias: nil)
        layer.forward(x, rows: m, into: &y)
    }
    let dequant = DequantBLASBackend().prepare(weight, bias: nil)
    dequant.forward(x, rows: m, into: &y)
    let cached = bestTime { dequant.forward(x, rows: m, into: &y) }
    let direct = DirectInt4Backend().prepare(weight, bias: nil)
    let directTime = bestTime { direct.forward(x, rows: m, into: &y) }
    return LinearResult(m: m, n: n, k: k, sgemm: flop / sgemm / 1e9, dequantFirstCall: flop / first / 1e9,
                        dequantCached: flop / cached / 1e9, direct: flop / directTime / 1e9)
}

func benchAttention(n: Int, heads: Int, headDim: Int) -> AttentionResult {
    let width = heads * headDim
    let q = randomFloats(n * width), k = q.reversed() as [Float], v = randomFloats(n * width).map { $0 * 0.5 }
    var out = [Float](repeating: 0, count: n * width)
    let blocked = bestTime {
        if let attentionBlock {
            Attention.forward(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: headDim, queryBlock: attentionBlock)
        } else {
            Attention.forward(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: headDim)
        }
    }
    let plain = bestTime { Attention.materialized(q: q, k: k, v: v, out: &out, n: n, heads: heads, headDim: headDim) }
    let flop = 4.0 * Double(n * n * headDim * heads)
    return AttentionResult(n: n, heads: heads, headDim: headDim, blockedGFLOPS: flop / blocked / 1e9,
                           materializedGFLOPS: flop / plain / 1e9, blockedMs: blocked * 1e3,
                           materializedMs: plain * 1e3, speedup: plain / blocked)
}

let rowsList = attentionOnly ? [] : quick ? [1, 256] : [1, 2, 2424]
let shapes = quick ? [(1024, 1024)] : [(1024, 1024), (2048, 1024), (1024, 2048), (6144, 1024)]
var linear: [LinearResult] = []
print("\nGFLOP/s       M     N     K   sgemm  deq-1st  deq-cached  direct  | cached/sgemm  direct/deq")
for m in rowsList {
    for (n, k) in shapes {
        let r = benchLinear(m: m, n: n, k: k)
        linear.append(r)
        print("linear  " + [pad("\(m)", 6), pad("\(n)", 5), pad("\(k)", 5), pad(format(r.sgemm), 7), pad(format(r.dequantFirstCall), 8),
                           pad(format(r.dequantCached), 11), pad(format(r.direct), 7)].joined(separator: " ")
              + "  | " + pad(format(r.dequantCachedOverSgemm, 2) + "x", 12) + pad(format(r.directOverDequant, 2) + "x", 12))
    }
}

let attention = attentionLengths.map { benchAttention(n: $0, heads: 16, headDim: 64) }
for a in attention {
    print("\nattention N=\(a.n) heads=\(a.heads)x\(a.headDim): blocked \(format(a.blockedMs, 2)) ms (\(format(a.blockedGFLOPS)) GFLOP/s), "
          + "sgemm-softmax-sgemm per head \(format(a.materializedMs, 2)) ms (\(format(a.materializedGFLOPS)) GFLOP/s), speedup \(format(a.speedup, 2))x")
}

if let jsonPath {
    let report = BenchmarkReport(environment: environment, openBLASSelfCheck: check, linear: linear, attention: attention)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
        try encoder.encode(report).write(to: URL(fileURLWithPath: jsonPath))
        print("wrote \(jsonPath)")
    } catch {
        FileHandle.standardError.write("cannot write \(jsonPath): \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}

if let baselinePath {
    let report = BenchmarkReport(environment: environment, openBLASSelfCheck: check, linear: linear, attention: attention)
    guard let data = FileManager.default.contents(atPath: baselinePath),
          let baseline = try? JSONDecoder().decode(BenchmarkReport.self, from: data) else {
        FileHandle.standardError.write("cannot read the baseline report \(baselinePath)\n".data(using: .utf8)!)
        exit(1)
    }
    // Ratios move with the CPU model and the OpenBLAS kernel: compare only like with like.
    let now = report.environment, then = baseline.environment
    guard now.cpuModel == then.cpuModel && now.openBLASCore == then.openBLASCore && now.int8ISA == then.int8ISA else {
        print("baseline measured on \(then.summary); this machine differs, so ratios are printed, not checked")
        exit(0)
    }
    let regressions = Regression.check(report, against: baseline, tolerance: maxRegression)
    for line in regressions { print("REGRESSION \(line)") }
    if !regressions.isEmpty { exit(1) }
    print("ratios within \(Int(maxRegression * 100)) % of \(baselinePath)")
}
