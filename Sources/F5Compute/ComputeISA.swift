import CKernels

/// Instruction-set level of the int8 kernels (ordered: each implies the ones below).
public enum ISALevel: String, Codable, CaseIterable, Comparable, Sendable {
    case scalar, avx2, avxvnni, avx512vnni

    init(_ c: ck_isa) {
        switch c {
        case CK_ISA_AVX512VNNI: self = .avx512vnni
        case CK_ISA_AVXVNNI: self = .avxvnni
        case CK_ISA_AVX2: self = .avx2
        default: self = .scalar
        }
    }

    var c: ck_isa {
        switch self {
        case .scalar: return CK_ISA_SCALAR
        case .avx2: return CK_ISA_AVX2
        case .avxvnni: return CK_ISA_AVXVNNI
        case .avx512vnni: return CK_ISA_AVX512VNNI
        }
    }

    public static func < (a: ISALevel, b: ISALevel) -> Bool { a.c.rawValue < b.c.rawValue }
}

/// Vector width of the fp32 elementwise kernels.
public enum ElementwiseISA: String, Codable, Sendable {
    case scalar, avx2, avx512
}

/// Run-time instruction-set selection (CPUID), optionally capped by `force` or by the
/// environment variable `F5TTS_ISA=avx512vnni|avxvnni|avx2|scalar`.
public enum ComputeISA {
    /// The best level the CPU supports.
    public static var detected: ISALevel { ISALevel(ck_isa_detected()) }
    /// The level the int8 kernels use now.
    public static var active: ISALevel { ISALevel(ck_isa_active()) }
    /// The width the elementwise kernels use now.
    public static var elementwise: ElementwiseISA {
        switch ck_ew_isa_active() {
        case CK_EW_AVX512: return .avx512
        case CK_EW_AVX2: return .avx2
        default: return .scalar
        }
    }
    /// Every level this CPU can run, lowest first.
    public static var supported: [ISALevel] { ISALevel.allCases.filter { ck_isa_runs($0.c) != 0 } }

    /// Caps every kernel at `level`; `nil` removes the cap (and ignores F5TTS_ISA from then on).
    public static func force(_ level: ISALevel?) {
        if let level { ck_isa_force(level.c) } else { ck_isa_reset() }
    }
}
