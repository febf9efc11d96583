import Foundation

/// PyTorch's CPU `torch.manual_seed(seed); torch.randn(count)` for float32, bit for bit:
/// MT19937 uniforms (24-bit), then the AVX2 `normal_fill` Box-Muller on blocks of 16 with avx_mathfun's
/// Cephes log / sincos, including the fused multiply-adds the shipped wheel compiles them to.
struct TorchGenerator {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
    }

    mutating func next() -> UInt32 {
        if index == 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    /// uniform_real_distribution<float>(0, 1).
    mutating func uniform() -> Float { Float(next() & 0xFF_FFFF) * Float(1.0 / 16_777_216.0) }

    /// `count` standard normals, as torch.randn(count) after torch.manual_seed(seed).
    static func randn(seed: UInt64, count: Int) -> [Float] {
        var generator = TorchGenerator(seed: seed)
        guard count >= 16 else { return generator.serialNormals(count) }
        var data = (0..<count).map { _ in generator.uniform() }
        data.withUnsafeMutableBufferPointer { d in
            for start in stride(from: 0, through: count - 16, by: 16) { fill16(d.baseAddress! + start) }
            if count % 16 != 0 {
                // torch redraws the last 16 uniforms and transforms them again.
                let tail = d.baseAddress! + count - 16
                for i in 0..<16 { tail[i] = generator.uniform() }
                fill16(tail)
            }
        }
        return data
    }

    /// torch's path below 16 values: at::normal_distribution<double>, one Box-Muller pair per two
    /// values (cosine first, the sine cached for the next value), 53-bit double uniforms.
    private mutating func serialNormals(_ count: Int) -> [Float] {
        var out: [Float] = []
        var cached: Double?
        while out.count < count {
            if let sine = cached {
                out.append(Float(sine))
                cached = nil
                continue
            }
            let u1 = uniformDouble(), u2 = uniformDouble()
            let radius = (-2 * log1p(-u2)).squareRoot(), theta = 2 * Double.pi * u1
            cached = radius * sin(theta)
            out.append(Float(radius * cos(theta)))
        }
        return out
    }

    /// uniform_real_distribution<double>(0, 1): 53 bits of random64() = (first draw << 32) | second.
    private mutating func uniformDouble() -> Double {
        let high = UInt64(next()), low = UInt64(next())
        return Double((high << 32 | low) & ((1 << 53) - 1)) * 0x1p-53
    }

    private static func fill16(_ d: UnsafeMutablePointer<Float>) {
        let twoPi = Float(2 * Double.pi)
        for j in 0..<8 {
            let u1 = 1 - d[j], u2 = d[j + 8]
            let radius = (-2 * cephesLog(u1)).squareRoot()
            let (sine, cosine) = cephesSinCos(twoPi * u2)
            d[j] = radius * cosine
            d[j + 8] = radius * sine
        }
    }

    /// avx_mathfun log256_ps, one lane.
    static func cephesLog(_ value: Float) -> Float {
        var x = max(value, Float(bitPattern: 0x0080_0000))
        var e = Float(Int32(bitPattern: x.bitPattern >> 23) - 0x7F)
        x = Float(bitPattern: (x.bitPattern & ~0x7F80_0000) | Float(0.5).bitPattern)
        e += 1
        let below = x < 0.707106781186547524
        let tmp: Float = below ? x : 0
        x -= 1
        if below { e -= 1 }
        x += tmp
        let z = x * x
        var y: Float = 7.0376836292e-2
        for c: Float in [-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                         2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1] {
            y = c.addingProduct(y, x)
        }
        y = y * x
        y = (e * -2.12194440e-4).addingProduct(y, z)
        y = y.addingProduct(z, -0.5)
        x = x + y
        return x.addingProduct(e, 0.693359375)
    }

    /// avx_mathfun sincos256_ps, one lane: (sin, cos).
    static func cephesSinCos(_ theta: Float) -> (Float, Float) {
        var signSin = theta.bitPattern & 0x8000_0000
        var x = Float(bitPattern: theta.bitPattern & 0x7FFF_FFFF)
        var j = Int32(x * 1.27323954473516)
        j = (j + 1) & ~1
        let y = Float(j)
        let swapSign = UInt32(bitPattern: j & 4) << 29
        let usePolynomialForSine = j & 2 == 0
        signSin ^= swapSign
        let signCos = UInt32(bitPattern: ~(j - 2) & 4) << 29
        x = x.addingProduct(y, -0.78515625)
        x = x.addingProduct(y, -2.4187564849853515625e-4)
        x = x.addingProduct(y, -3.77489497744594108e-8)
        let z = x * x
        var cosine = Float(-1.388731625493765e-3).addingProduct(2.443315711809948e-5, z)
        cosine = Float(4.166664568298827e-2).addingProduct(cosine, z)
        cosine = cosine * z
        cosine = (-(z * 0.5)).addingProduct(cosine, z)
        cosine = cosine + 1
        var sine = Float(8.3321608736e-3).addingProduct(-1.9515295891e-4, z)
        sine = Float(-1.6666654611e-1).addingProduct(sine, z)
        sine = sine * z
        sine = x.addingProduct(sine, x)
        let s = usePolynomialForSine ? sine : cosine, c = usePolynomialForSine ? cosine : sine
        return (Float(bitPattern: s.bitPattern ^ signSin), Float(bitPattern: c.bitPattern ^ signCos))
    }
}
