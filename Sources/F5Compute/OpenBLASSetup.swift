import CKernels
import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Picks OpenBLAS's kernel on CPUs its build does not recognise (Debian 12's 0.3.21 falls back to
/// the SSE3 "Prescott" kernels on recent Xeons, 4.5x slower sgemm, and to "Haswell" on AVX-512 EPYCs,
/// 2x slower), and checks the kernel numerically, falling back to the original one if it fails.
public enum OpenBLASSetup {
    /// Core names of OpenBLAS's generic / pre-AVX kernels.
    public static let genericCores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "athlon", "nano", "unknown",
    ]
    static let avx2Cores: Set<String> = ["haswell", "zen", "skylake", "excavator", "steamroller", "piledriver", "bulldozer", "sandybridge"]
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set before re-executing to the core OpenBLAS chose by itself, so the new process knows it was
    /// re-executed (never again) and what to fall back to.
    static let guardVariable = "F5TTS_OPENBLAS_REEXEC"
    static let fallbackMark = "fallback:"

    /// `openblas_get_corename()`, e.g. "Prescott" or "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The core type worth forcing on this CPU: "SkylakeX" with AVX-512, "Haswell" with AVX2.
    public static var recommendedCoreType: String? {
        if ck_cpu_has_avx512() != 0 { return "SkylakeX" }
        if ck_cpu_has_avx2() != 0 { return "Haswell" }
        return nil
    }

    /// 0 generic, 1 AVX2-class, 2 AVX-512 kernels.
    static func rank(_ core: String) -> Int {
        let c = core.lowercased()
        return avx512Cores.contains(c) ? 2 : (avx2Cores.contains(c) ? 1 : 0)
    }

    public enum Decision: Equatable, Sendable {
        /// OPENBLAS_CORETYPE was set by the user: left alone.
        case coreTypeAlreadySet(String)
        /// The loaded kernel is as good as this CPU allows.
        case coreIsFine(String)
        /// A weaker kernel, but the CPU has nothing better to offer.
        case noBetterCore(String)
        /// This process was re-executed with a better core, which passed the self-check.
        case switched(from: String, to: String)
        /// The forced core failed the self-check; the process runs OpenBLAS's own choice again.
        case fellBack(to: String)
        /// Re-exec refused (loop guard set, or no /proc/self/exe), or execv failed with errno.
        case reexecUnavailable(String)
    }

    /// OpenBLAS's workers spin ~0.1 s after each call by default (2^28 cycles): the fused attention that
    /// follows the q/k/v projections then runs at half speed. 2^16 cycles (~20 µs) keeps GEMMs as fast.
    static let threadTimeoutVariable = "OPENBLAS_THREAD_TIMEOUT"
    static let threadTimeout = "16"
    /// Guard value when only the thread timeout was set (the core was the user's or already right).
    static let timeoutOnlyMark = "timeout-only"

    /// Call first thing in `main`, before any thread of ours starts. Re-executes the process once with
    /// OPENBLAS_CORETYPE set when OpenBLAS loaded a weaker kernel than the CPU supports, and with
    /// OPENBLAS_THREAD_TIMEOUT set when unset (both are read only when the library loads; execv does not
    /// return on success). In the re-executed process, confirms a changed kernel with `selfCheck` and falls
    /// back to OpenBLAS's own choice (one more re-exec) when the check fails. Never overrides a value the
    /// user set.
    @discardableResult
    public static func reexecWithBestCore(arguments: [String] = CommandLine.arguments) -> Decision {
        let environment = ProcessInfo.processInfo.environment
        let core = coreName
        let guardValue = environment[guardVariable]
        if let original = guardValue, original != timeoutOnlyMark {
            // Re-executed with a core of our choice: confirm it, or go back to OpenBLAS's own.
            if original.hasPrefix(fallbackMark) { return .fellBack(to: core) }
            if selfCheck().passed { return .switched(from: original, to: core) }
            return reexec([(coreTypeVariable, original)], guardValue: fallbackMark + original, arguments: arguments)
        }
        var changes: [(String, String)] = []
        let coreDecision: Decision
        if let set = environment[coreTypeVariable] {
            coreDecision = .coreTypeAlreadySet(set)
        } else if guardValue == nil, let better = recommendedCoreType, rank(core) < rank(better) {
            coreDecision = .switched(from: core, to: better)
            changes.append((coreTypeVariable, better))
        } else {
            coreDecision = recommendedCoreType == nil ? .noBetterCore(core) : .coreIsFine(core)
        }
        if guardValue == nil && environment[threadTimeoutVariable] == nil {
            changes.append((threadTimeoutVariable, threadTimeout))
        }
        guard !changes.isEmpty else { return coreDecision }
        let changesCore = changes.contains { $0.0 == coreTypeVariable }
        let decision = reexec(changes, guardValue: changesCore ? core : timeoutOnlyMark, arguments: arguments)
        return changesCore ? decision : coreDecision
    }

    private static func reexec(_ changes: [(String, String)], guardValue: String, arguments: [String]) -> Decision {
        #if os(Linux)
        for (name, value) in changes { setenv(name, value, 1) }
        setenv(guardVariable, guardValue, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // Only reached when execv failed: undo, so this process reports what it really runs.
        let error = errno
        for (name, _) in changes { unsetenv(name) }
        unsetenv(guardVariable)
        for p in argv { free(p) }
        return .reexecUnavailable("execv failed: errno \(error)")
        #else
        return .reexecUnavailable("re-exec needs /proc/self/exe")
        #endif
    }

    /// Result of the numeric check of the loaded kernel.
    public struct SelfCheck: Codable, Sendable {
        public var core: String
        public var shape: [Int]
        /// max |sgemm - float64 reference| / max |reference|
        public var maxRelativeError: Double
        public var tolerance: Double
        public var passed: Bool
    }

    /// A small sgemm (awkward sizes, all code paths of the kernel's edge handling) compared with a
    /// float64 reference.
    public static func selfCheck(m: Int = 67, n: Int = 45, k: Int = 131) -> SelfCheck {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let a = (0..<(m * k)).map { _ in next() }
        let b = (0..<(k * n)).map { _ in next() }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        var maxError = 0.0, maxRef = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                maxRef = max(maxRef, abs(s))
                maxError = max(maxError, abs(Double(c[i * n + j]) - s))
            }
        }
        let relative = maxRef > 0 ? maxError / maxRef : maxError
        let tolerance = 1e-5
        return SelfCheck(core: coreName, shape: [m, n, k], maxRelativeError: relative,
                         tolerance: tolerance, passed: relative <= tolerance)
    }
}
