import CKernels
import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Picks OpenBLAS's kernel on CPUs its build does not recognise (Debian 12's 0.3.21 falls back to
/// the SSE3 "Prescott" kernels on recent Xeons: 4.5x slower sgemm), and checks the kernel numerically.
public enum OpenBLASSetup {
    /// Core names of OpenBLAS's generic / pre-AVX kernels.
    public static let genericCores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "athlon", "nano", "unknown",
    ]
    static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set before re-executing so the new process never re-executes again.
    static let guardVariable = "F5TTS_OPENBLAS_REEXEC"

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

    public enum Decision: Equatable, Sendable {
        /// OPENBLAS_CORETYPE was already set (by the user or by our earlier re-exec): left alone.
        case coreTypeAlreadySet(String)
        /// The loaded kernel is not a generic one.
        case coreIsFine(String)
        /// Generic kernel, but the CPU has nothing better to offer.
        case noBetterCore(String)
        /// Re-exec refused (loop guard set, or no /proc/self/exe), or execv failed with errno.
        case reexecUnavailable(String)
    }

    /// Decides whether re-executing with OPENBLAS_CORETYPE set would pick a better kernel, and does
    /// it (execv does not return on success). Call first thing in `main`, before any thread starts.
    @discardableResult
    public static func reexecIfGenericCore(arguments: [String] = CommandLine.arguments) -> Decision {
        let environment = ProcessInfo.processInfo.environment
        if let set = environment[coreTypeVariable] { return .coreTypeAlreadySet(set) }
        let core = coreName
        guard genericCores.contains(core.lowercased()) else { return .coreIsFine(core) }
        guard let better = recommendedCoreType else { return .noBetterCore(core) }
        guard environment[guardVariable] == nil else { return .reexecUnavailable("\(guardVariable) is set") }
        #if os(Linux)
        setenv(coreTypeVariable, better, 1)
        setenv(guardVariable, "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // Only reached when execv failed: undo, so this process reports what it really runs.
        let error = errno
        unsetenv(coreTypeVariable)
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
