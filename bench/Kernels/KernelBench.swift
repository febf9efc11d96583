import ArgumentParser
import F5Compute
import Foundation

/// Comma-separated positive integers ("256,1212").
struct LengthList: ExpressibleByArgument {
    var values: [Int]
    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        values = parts.map { $0! }
    }
}

@main
struct KernelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "f5tts-bench-kernels",
        abstract: "Kernel benchmark: sgemm on fp32 weights against the dequant and direct Q4 paths, blocked against materialised attention.",
        discussion: """
            The kernels of one benchmark are timed in interleaved rounds, and each ratio is the median of its \
            per-round ratios, printed with its interquartile range; "others" is the cores' worth of CPU that \
            other processes used meanwhile. With --baseline, a ratio that fell by more than --max-regression \
            is measured again and fails only when it fell every time; a ratio too scattered to judge, or \
            measured while other processes used the cores, is reported as unstable and not gated.
            """)

    @Flag(help: "The short profile (CI): M = 1 and 256 at N = K = 1024, attention N = 256, shorter sampling.")
    var quick = false

    @Option(help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "path"))
    var json: String?

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Only the attention benchmark.")
    var attentionOnly = false

    @Option(name: .customLong("attention"),
            help: ArgumentHelp("Attention sequence lengths, comma-separated (default 1212, or 256 with --quick).", valueName: "n[,n...]"))
    var attentionLengths: LengthList?

    @Option(help: ArgumentHelp("Query block of the blocked attention (default: its own).", valueName: "rows"))
    var attentionBlock: Int?

    @Option(help: ArgumentHelp("A stored JSON report to check the ratios against (only one measured on the same CPU model, OpenBLAS kernel and int8 kernels, by an equally optimised build).",
                               valueName: "path"))
    var baseline: String?

    @Option(help: ArgumentHelp("Largest accepted fall of a checked ratio, as a fraction of the baseline's.", valueName: "fraction"))
    var maxRegression = 0.25

    func validate() throws {
        if let attentionBlock, attentionBlock <= 0 { throw ValidationError("--attention-block must be positive") }
        guard maxRegression > 0 && maxRegression < 1 else { throw ValidationError("--max-regression must lie between 0 and 1") }
    }

    mutating func run() throws {
        // Before any thread of ours starts: it may re-execute this process with a better OpenBLAS kernel.
        OpenBLASSetup.reexecWithBestCore()
        ComputeThreads.configure(threads)

        let environment = ComputeEnvironment.current()
        let check = OpenBLASSetup.selfCheck()
        print("machine: \(environment.summary)")
        print("OpenBLAS self-check: \(check.passed ? "ok" : "FAILED") (relative error \(check.maxRelativeError))")
        #if DEBUG
        let optimized = false
        print("debug build: the C kernels are not optimised, so these ratios compare only with another debug build's")
        #else
        let optimized = true
        #endif

        let benchmarks = KernelBenchmarks(sampling: quick ? .quick : .full, attentionBlock: attentionBlock)
        let rowsList = attentionOnly ? [] : quick ? [1, 256] : [1, 2, 2424]
        let shapes = quick ? [(1024, 1024)] : [(1024, 1024), (2048, 1024), (1024, 2048), (6144, 1024)]
        var linear: [LinearResult] = []
        if !rowsList.isEmpty {
            print("\nGFLOP/s       M     N     K   sgemm  deq-1st  deq-cached  direct  int8  |" + pad("cached/sgemm [IQR]", 25) + pad("direct/deq [IQR]", 25) + "  rounds  others")
        }
        for m in rowsList {
            for (n, k) in shapes {
                let r = benchmarks.linear(m: m, n: n, k: k)
                linear.append(r)
                print(Self.row(r))
            }
        }
        let peaks = MachinePeaks.measure()
        if !linear.isEmpty {
            print("\nthe direct GEMMs against the dot-product peaks of their width (\(peaks.threads) threads: int16 "
                  + "\(format(peaks.int16GOPS ?? 0, 0)) GOP/s, int8 \(format(peaks.int8GOPS, 0)) GOP/s)")
            for r in linear where r.m > 2 {
                print("  M \(r.m), N \(r.n), K \(r.k): int16 \(Self.share(r.direct, of: peaks.int16GOPS ?? 0)), "
                      + "int8 \(Self.share(r.directInt8 ?? 0, of: peaks.int8GOPS))")
            }
        }
        var attention: [AttentionResult] = []
        for n in attentionLengths?.values ?? [quick ? 256 : 1212] {
            let a = benchmarks.attention(n: n, heads: 16, headDim: 64)
            attention.append(a)
            print("\n" + Self.line(a))
        }

        var report = BenchmarkReport(environment: environment, openBLASSelfCheck: check, optimized: optimized, peaks: peaks,
                                     linear: linear, attention: attention, gate: nil)
        var failed = false
        if let baseline {
            let stored = try Self.readReport(baseline)
            if let why = Self.incomparable(report, stored) {
                print("\nbaseline \(baseline): \(why), so ratios are printed, not checked")
            } else {
                report.gate = Self.gate(report, against: stored, path: baseline, tolerance: maxRegression, benchmarks: benchmarks)
                failed = report.gate!.contains { $0.outcome == .regression }
            }
        }
        if let json { try Self.write(report, to: json) }
        if failed { throw ExitCode(1) }
    }

    static func row(_ r: LinearResult) -> String {
        let ratios = [r.dequantCachedOverSgemmStats, r.directOverDequantStats].map { pad($0.map(describe) ?? "", 25) }
        return "linear  " + [pad("\(r.m)", 6), pad("\(r.n)", 5), pad("\(r.k)", 5), pad(format(r.sgemm), 7), pad(format(r.dequantFirstCall), 8),
                             pad(format(r.dequantCached), 11), pad(format(r.direct), 7), pad(r.directInt8.map { format($0) } ?? "-", 5)]
            .joined(separator: " ")
            + "  |" + ratios.joined() + pad("\(r.dequantCachedOverSgemmStats?.rounds ?? 0)", 8)
            + pad(r.dequantCachedOverSgemmStats?.otherCores.map { format($0, 2) } ?? "?", 8)
    }

    static func share(_ gops: Double, of peak: Double) -> String { peak > 0 ? percent(gops / peak) : "no peak" }

    static func line(_ a: AttentionResult) -> String {
        "attention N=\(a.n) heads=\(a.heads)x\(a.headDim): blocked \(format(a.blockedMs, 2)) ms (\(format(a.blockedGFLOPS)) GFLOP/s), "
            + "sgemm-softmax-sgemm per head \(format(a.materializedMs, 2)) ms (\(format(a.materializedGFLOPS)) GFLOP/s), "
            + "speedup \(a.speedupStats.map(describe) ?? ratio(a.speedup) + "x") over \(a.speedupStats?.rounds ?? 0) rounds, "
            + "other processes \(a.speedupStats?.otherCores.map(cores) ?? "? cores")"
            + (a.int8Ms.map { ms in
                "\n          int8 \(format(ms, 2)) ms (\(format(a.int8GFLOPS ?? 0)) GFLOP/s-equivalent), int8 / fp32 blocked "
                    + (a.int8SpeedupStats.map(describe) ?? ratio(a.int8Speedup ?? 0) + "x")
            } ?? "")
    }

    /// Why two reports' ratios cannot be compared (nil: they can). Ratios move with the CPU model, the
    /// OpenBLAS kernel, the int8 kernels and the optimisation of the build: compare only like with like.
    static func incomparable(_ now: BenchmarkReport, _ then: BenchmarkReport) -> String? {
        let a = now.environment, b = then.environment
        if a.cpuModel != b.cpuModel || a.openBLASCore != b.openBLASCore || a.int8ISA != b.int8ISA {
            return "measured on \(b.summary); this machine differs"
        }
        if (now.optimized ?? true) != (then.optimized ?? true) {
            return (then.optimized ?? true) ? "measured by an optimised build and this one is a debug build"
                : "measured by a debug build and this one is optimised"
        }
        return nil
    }

    static func gate(_ report: BenchmarkReport, against stored: BenchmarkReport, path: String, tolerance: Double,
                     benchmarks: KernelBenchmarks) -> [GateEntry] {
        let gate = RegressionGate(tolerance: tolerance)
        let ratios = GatedRatio.all(in: report, baseline: stored)
        print("\nratio check against \(path): a ratio fails when its median stays under \(Int((1 - tolerance) * 100)) % of the "
              + "baseline in \(gate.maxMeasurements) measurements running")
        let entries = Regression.check(ratios, first: { benchmark in
            switch benchmark {
            case let .linear(m, n, k): return .linear(report.linear.first { $0.m == m && $0.n == n && $0.k == k }!)
            case let .attention(n, heads, headDim):
                return .attention(report.attention.first { $0.n == n && $0.heads == heads && $0.headDim == headDim }!)
            }
        }, gate: gate, measureAgain: benchmarks.run, log: { print("  " + $0) })

        var unstable: [String] = []
        for e in entries {
            let verdicts = e.measurements.map { gate.verdict($0, baseline: e.baseline) }
            let measured = zip(e.measurements, verdicts).map { s, v in
                describe(s) + (v == .busy ? " (other processes \(cores(s.otherCores ?? 0)))" : "")
            }.joined(separator: ", ")
            let against = "against \(ratio(e.baseline)) (bar \(ratio(gate.bar(e.baseline))))"
            switch e.outcome {
            case .pass:
                let note = e.measurements.count > 1 ? ", after \(e.measurements.count - 1) measurement(s) under the bar: noise" : ""
                let wide = e.measurements.last!.uncertainty > gate.maxUncertainty ? " (imprecise)" : ""
                print("  ok          \(e.ratio) \(describe(e.measurements.last!))\(wide) \(against)\(note)")
            case .regression:
                print("REGRESSION \(e.ratio): \(measured) \(against), under the bar in all \(e.measurements.count) measurements")
            case .unstable:
                var why: [String] = []
                if verdicts.contains(.unstable) {
                    why.append("the rounds scatter too widely (median uncertain by \(percent(e.measurements.map(\.uncertainty).min()!)), "
                               + "at most \(percent(gate.maxUncertainty)) may fail)")
                }
                if verdicts.contains(.busy) {
                    why.append("other processes took over \(cores(gate.maxOtherCores)), which shifts ratios of "
                               + "kernels that share out their work differently")
                }
                let line = "UNSTABLE, NOT GATED: \(e.ratio): \(measured) \(against): " + why.joined(separator: "; ")
                print(line)
                unstable.append(line)
            }
        }
        let regressions = entries.filter { $0.outcome == .regression }.count
        if !unstable.isEmpty {
            // Loud on stderr too: a ratio nobody checked must not pass quietly.
            let warning = "WARNING: \(unstable.count) ratio(s) could not be checked on this machine now:\n"
                + unstable.map { "  " + $0 + "\n" }.joined()
            FileHandle.standardError.write(Data(warning.utf8))
        }
        if regressions > 0 {
            print("\(regressions) ratio(s) regressed by more than \(Int(tolerance * 100)) % against \(path)")
        } else {
            print("ratios within \(Int(tolerance * 100)) % of \(path)" + (unstable.isEmpty ? "" : ", \(unstable.count) unstable and not gated"))
        }
        return entries
    }

    static func readReport(_ path: String) throws -> BenchmarkReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the baseline report \(path)") }
        do { return try JSONDecoder().decode(BenchmarkReport.self, from: data) } catch {
            throw fail("cannot read the baseline report \(path): \(error)")
        }
    }

    static func write(_ report: BenchmarkReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(report).write(to: URL(fileURLWithPath: path))
            print("wrote \(path)")
        } catch {
            throw fail("cannot write \(path): \(error)")
        }
    }

    /// Prints `message` to stderr; the error exits with status 1.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(1)
    }
}
