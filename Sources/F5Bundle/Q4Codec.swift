/// The Q4 nibble layout, written out here only (CKernels keeps its own decoder for the kernels).
///
/// A tensor flattened to `[rows, cols]` is one stream of nibbles: element n = r*cols + c sits in
/// byte `n >> 1`, in the low nibble when n is even and the high nibble when odd, so rows start
/// mid-byte when `cols` is odd. A nibble holds the signed code q in -8...7 as `q & 0x0F`.
/// Each row has a little-endian fp16 scale; value = q * scale.
public enum Q4Codec {
    /// The signed code of nibble `index` of `packed`.
    @inlinable @inline(__always)
    public static func code(packed: UnsafeRawPointer, index: Int) -> Int8 {
        let byte = packed.load(fromByteOffset: index >> 1, as: UInt8.self)
        return decode(byte >> shift(index))
    }

    /// Ors `code` into nibble `index` of `packed`; that nibble must still be zero.
    @inlinable @inline(__always)
    public static func store(code: Int8, packed: UnsafeMutableRawPointer, index: Int) {
        let byte = packed.load(fromByteOffset: index >> 1, as: UInt8.self)
        packed.storeBytes(of: byte | encode(code) << shift(index), toByteOffset: index >> 1, as: UInt8.self)
    }

    /// (low, high) codes of every byte value: two elements per lookup on byte-aligned rows.
    public static let decodeTable: [(Int8, Int8)] = (UInt8(0)...UInt8(255)).map { b in (decode(b), decode(b >> 4)) }

    /// Quantizes row `row` of a tensor with `values.count` columns: writes its codes into `packed`
    /// (zeroed beforehand) and its fp16 scale into `scales`. The published exporter's rule, kept
    /// bit for bit: `scale = max(max|v|, 1e-8) / 7` in fp32, `q = clip(rint(v / scale), -8, 7)` with
    /// that fp32 scale, and only the stored scale rounded to fp16.
    public static func quantizeRow(_ values: UnsafeBufferPointer<Float>, row: Int,
                                   packed: UnsafeMutableRawPointer, scales: UnsafeMutableRawPointer) {
        let maxAbs = values.reduce(Float(0)) { max($0, abs($1)) }
        let scale = max(maxAbs, 1e-8) / 7
        Half.store(scale, to: scales, index: row)
        let first = row * values.count
        for (c, v) in values.enumerated() {
            let q = Int8(min(max((v / scale).rounded(.toNearestOrEven), -8), 7))
            store(code: q, packed: packed, index: first + c)
        }
    }

    /// Bit offset of nibble `index` inside its byte.
    @usableFromInline @inline(__always)
    static func shift(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: index & 1) << 2 }

    /// The nibble of a code (two's complement, low four bits).
    @usableFromInline @inline(__always)
    static func encode(_ code: Int8) -> UInt8 { UInt8(bitPattern: code) & 0x0F }

    /// The code in the low four bits of `bits` (higher bits ignored).
    @usableFromInline @inline(__always)
    static func decode(_ bits: UInt8) -> Int8 { Int8(bitPattern: (bits & 0x0F) ^ 0x08) &- 8 }
}
