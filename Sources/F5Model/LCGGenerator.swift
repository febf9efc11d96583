import Foundation

/// The seed runtime's `gaussian_vec` (bundle-format §5.7): a u32 LCG s = s * 1664525 + 1013904223,
/// u = max((s + 1) / 4294967297, 1e-7), Box-Muller in float32 on consecutive pairs.
struct LCGGenerator {
    private var state: UInt32

    init(seed: UInt32) { state = seed }

    private mutating func uniform() -> Float {
        state = state &* 1_664_525 &+ 1_013_904_223
        return max(Float((Double(state) + 1) / 4_294_967_297), 1e-7)
    }

    static func randn(seed: UInt32, count: Int) -> [Float] {
        var generator = LCGGenerator(seed: seed)
        var out = [Float](repeating: 0, count: count)
        let twoPi = Float(2 * Double.pi)
        for pair in stride(from: 0, to: count, by: 2) {
            let u1 = generator.uniform(), u2 = generator.uniform()
            let radius = (-2 * log(u1)).squareRoot()
            out[pair] = radius * cos(twoPi * u2)
            if pair + 1 < count { out[pair + 1] = radius * sin(twoPi * u2) }
        }
        return out
    }
}
