import ArgumentParser
import F5TTS
import Foundation

/// Options every command that computes shares; `prepare()` runs before any work.
struct ComputeOptions: ParsableArguments {
    @Option(name: .customLong("backend"), help: "Q4 execution path: dequant (fp32 tiles + OpenBLAS) or direct (int4 x int8 SIMD). Default: the faster on this CPU.")
    var backendChoice: BackendKind?

    /// The chosen path, or the faster one on this CPU.
    var backend: BackendKind { backendChoice ?? .fastest }

    @Option(help: "Threads for OpenBLAS and our kernels together (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("cache-mb"), help: "Memory budget of the dequantized-tile cache in MiB (default: half of RAM).")
    var cacheMB: Int?

    @Flag(help: "Print timings and the machine (OpenBLAS core, threads, instruction sets) to stderr.")
    var verbose = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let cacheMB, cacheMB < 0 { throw ValidationError("--cache-mb must not be negative, got \(cacheMB)") }
    }

    /// Selects OpenBLAS's best kernel (may re-execute the process) and sets the threads.
    func configure() {
        let decision = OpenBLASSetup.reexecWithBestCore()
        ComputeThreads.configure(threads)
        if verbose {
            Log.info("machine: \(ComputeEnvironment.current().summary)")
            Log.info("OpenBLAS kernel selection: \(decision)")
        }
    }

    /// `configure()`, then the backend.
    func prepare() -> any LinearBackend {
        configure()
        return makeLinearBackend(backend, cacheBudgetBytes: cacheMB.map { $0 << 20 })
    }
}

/// Everything but audio and JSON goes to stderr, so stdout stays clean for pipes.
enum Log {
    static func info(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

extension BackendKind: ExpressibleByArgument {}

/// Fails before any work when an output cannot be written: its folder is missing or read-only, or it
/// names a folder. ("-" is standard output.)
func checkWritable(_ path: String, option: String) throws {
    guard path != "-" else { return }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw ValidationError("\(option) \(path) is a folder, not a file")
    }
    let folder = (path as NSString).deletingLastPathComponent
    let parent = folder.isEmpty ? "." : folder
    guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(option) \(path): the folder \(parent) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: parent) else {
        throw ValidationError("\(option) \(path): the folder \(parent) is not writable")
    }
}
