import Foundation

/// What the compute layer runs on: printed by --verbose and stored in benchmark reports.
public struct ComputeEnvironment: Codable, Sendable {
    public var cpuModel: String
    public var cores: Int
    public var int8ISA: ISALevel
    public var elementwiseISA: ElementwiseISA
    public var openBLASCore: String
    /// OPENBLAS_CORETYPE as seen by this process (nil when unset).
    public var openBLASCoreType: String?
    /// OPENBLAS_THREAD_TIMEOUT as seen by this process (nil when unset: workers spin ~0.1 s after each call).
    public var openBLASThreadTimeout: String?
    public var openBLASThreads: Int
    public var computeThreads: Int

    public static func current() -> ComputeEnvironment {
        ComputeEnvironment(
            cpuModel: cpuModelName(), cores: ProcessInfo.processInfo.activeProcessorCount,
            int8ISA: ComputeISA.active, elementwiseISA: ComputeISA.elementwise,
            openBLASCore: OpenBLASSetup.coreName,
            openBLASCoreType: ProcessInfo.processInfo.environment[OpenBLASSetup.coreTypeVariable],
            openBLASThreadTimeout: ProcessInfo.processInfo.environment[OpenBLASSetup.threadTimeoutVariable],
            openBLASThreads: ComputeThreads.openBLASThreads, computeThreads: ComputeThreads.count)
    }

    /// One line for logs.
    public var summary: String {
        "cpu \(cpuModel) (\(cores) cores), int8 \(int8ISA.rawValue), elementwise \(elementwiseISA.rawValue), "
            + "OpenBLAS \(openBLASCore) x\(openBLASThreads) (thread timeout \(openBLASThreadTimeout ?? "default")), threads \(computeThreads)"
    }

    /// "model name" from /proc/cpuinfo ("unknown" elsewhere).
    static func cpuModelName() -> String { cpuInfo("model name") ?? "unknown" }

    /// The first value of `key` in /proc/cpuinfo ("model name", "cpu family", "model"), nil when absent.
    public static func cpuInfo(_ key: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces) == key else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
