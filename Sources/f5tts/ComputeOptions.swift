import ArgumentParser
import F5Compute
import F5TTS
import Foundation

/// Options every command that computes shares; `prepare()` runs before any work.
struct ComputeOptions: ParsableArguments {
    @Option(name: .customLong("backend"), help: "Q4 execution path: dequant (fp32 tiles + OpenBLAS) or direct (int4 x int16/int8 SIMD). Default: direct where it is vectorised (AVX2 and up), else dequant.")
    var backendChoice: BackendKind?

    /// The chosen path, or the faster one on this CPU.
    var backend: BackendKind { backendChoice ?? .fastest }

    /// The path, its activations (direct) and its attention arithmetic, as `direct/int16/int8` or `dequant/fp32`:
    /// what decides the output's numbers.
    var pathDescription: String {
        let parts = [backend.rawValue] + (backend == .direct ? [(activations ?? .int16).rawValue] : [])
        return (parts + [(attention ?? .standard(for: backend)).rawValue]).joined(separator: "/")
    }

    @Option(help: "Attention arithmetic: fp32 (the reference) or int8 (int8 Q·Kᵀ, 14-bit P × 12-bit V). Default: int8 with --backend direct, fp32 with dequant.")
    var attention: AttentionKind?

    @Option(help: "Inputs of the direct path's linear layers: int16 (one scale per row; at least fp16 inference's fidelity) or int8 (about twice as fast in those layers, less faithful). Default: int16.")
    var activations: ActivationPrecision?

    @Option(parsing: .unconditional, help: "Threads for OpenBLAS and our kernels together (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("cache-mb"), parsing: .unconditional, help: "Memory budget of the dequantized-tile cache in MiB (default: 256; 0 dequantizes every tile when used).")
    var cacheMB: Int?

    @Flag(help: "Print timings and the machine (OpenBLAS core, threads, instruction sets) to stderr.")
    var verbose = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let cacheMB, cacheMB < 0 { throw ValidationError("--cache-mb must not be negative, got \(cacheMB)") }
        if activations != nil, backend != .direct {
            throw ValidationError("--activations applies to --backend direct only (the dequant path computes in fp32)")
        }
    }

    /// Selects OpenBLAS's best kernel (may re-execute the process) and sets the threads; returns what was decided.
    @discardableResult
    func configure() -> OpenBLASSetup.Decision {
        let decision = OpenBLASSetup.reexecWithBestCore()
        ComputeThreads.configure(threads)
        if verbose {
            Log.info("machine: \(ComputeEnvironment.current().summary)")
            Log.info("OpenBLAS kernel selection: \(decision)")
        }
        return decision
    }

    /// `configure()`, then the backend.
    func prepare() -> any LinearBackend {
        configure()
        return makeLinearBackend(backend, cacheBudgetBytes: cacheMB.map { $0 << 20 }, attention: attention, activations: activations)
    }
}

