/// IEEE 754 binary16 conversions written out so they behave the same on every platform
/// (Swift's `Float16` is missing on some x86-64 targets).
public enum Half {
    /// Exact fp16 -> fp32, including subnormals, infinities and NaN payloads.
    @inline(__always)
    public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Subnormal (or zero): mantissa * 2^-24 is exact in fp32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }

    /// fp32 -> fp16 with round-to-nearest-even (what numpy's `astype(np.float16)` does).
    public static func fromFloat(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            return sign | 0x7C00 | (mantissa != 0 ? UInt16(0x200 | (mantissa >> 13)) : 0)
        }
        let e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - e)
            var half = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(e) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1) { half += 1 }
        return sign | UInt16(half)
    }

    /// Reads a little-endian fp16 at any byte alignment.
    @inline(__always)
    public static func load(_ p: UnsafeRawPointer, index: Int) -> Float {
        let lo = UInt16(p.load(fromByteOffset: 2 * index, as: UInt8.self))
        let hi = UInt16(p.load(fromByteOffset: 2 * index + 1, as: UInt8.self))
        return toFloat(lo | hi << 8)
    }

    /// Writes `value` as a little-endian fp16 (rounded by `fromFloat`) at any byte alignment.
    @inline(__always)
    public static func store(_ value: Float, to p: UnsafeMutableRawPointer, index: Int) {
        let h = fromFloat(value)
        p.storeBytes(of: UInt8(truncatingIfNeeded: h), toByteOffset: 2 * index, as: UInt8.self)
        p.storeBytes(of: UInt8(truncatingIfNeeded: h >> 8), toByteOffset: 2 * index + 1, as: UInt8.self)
    }

    /// `values` as little-endian fp16 bytes, in order.
    public static func bytes<C: Collection>(_ values: C) -> [UInt8] where C.Element == Float {
        [UInt8](unsafeUninitializedCapacity: 2 * values.count) { buffer, initialized in
            if let base = buffer.baseAddress {
                for (i, v) in values.enumerated() { store(v, to: UnsafeMutableRawPointer(base), index: i) }
            }
            initialized = 2 * values.count
        }
    }
}
