/// A rowwise signed-int4 tensor viewed in place inside a mapped file.
///
/// The tensor is flattened in C order to `[rows, cols]` (`cols` = product of the trailing
/// dimensions) and stored in the nibble layout of `Q4Codec`; one little-endian fp16 scale per row
/// follows the packed bytes.
public struct Q4Tensor: Sendable {
    public let name: String
    public let shape: [Int]
    public let rows: Int
    public let cols: Int
    @usableFromInline let packedBytes: ReadOnlyPointer
    @usableFromInline let scaleBytes: ReadOnlyPointer

    /// `storage` keeps `packed` and `scales` alive, and nothing writes them while the view exists.
    public init(name: String, shape: [Int], packed: UnsafeRawPointer, scales: UnsafeRawPointer, storage: AnyObject) {
        self.name = name
        self.shape = shape
        self.rows = shape[0]
        self.cols = shape.dropFirst().reduce(1, *)
        self.packedBytes = ReadOnlyPointer(packed, owner: storage)
        self.scaleBytes = ReadOnlyPointer(scales, owner: storage)
    }

    @inlinable public var packed: UnsafeRawPointer { packedBytes.pointer }
    @inlinable public var scales: UnsafeRawPointer { scaleBytes.pointer }
    /// What keeps the bytes alive: the mapped file, or the caller's buffer.
    public var storage: AnyObject { packedBytes.owner }

    public var count: Int { rows * cols }
    public var packedByteCount: Int { (count + 1) / 2 }

    @inline(__always)
    public func scale(row r: Int) -> Float { Half.load(scales, index: r) }

    /// The signed 4-bit code of element (r, c).
    @inline(__always)
    public func code(row r: Int, col c: Int) -> Int8 { Q4Codec.code(packed: packed, index: r * cols + c) }

    /// Writes rows `range` as fp32 (`code * fp16 scale`) into `out`, `cols` floats per row.
    public func dequantizeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        var o = out
        for r in range {
            let s = scale(row: r)
            if cols & 1 == 0 {
                // Byte-aligned rows: two values per byte through a table.
                let row = packed.advanced(by: r * cols / 2).assumingMemoryBound(to: UInt8.self)
                for b in 0..<(cols / 2) {
                    let pair = Q4Codec.decodeTable[Int(row[b])]
                    o[2 * b] = Float(pair.0) * s
                    o[2 * b + 1] = Float(pair.1) * s
                }
            } else {
                for c in 0..<cols { o[c] = Float(code(row: r, col: c)) * s }
            }
            o += cols
        }
    }

    /// Lets go of the tensor's resident pages when it views a memory-mapped file (no effect otherwise);
    /// for execution paths that keep their own copy of the weights.
    public func releaseResidentPages() {
        guard let file = storage as? MappedFile else { return }
        let packedOffset = packed - file.base, scalesOffset = scales - file.base
        file.releasePages(packedOffset..<(packedOffset + packedByteCount))
        file.releasePages(scalesOffset..<(scalesOffset + 2 * rows))
    }

    /// The whole tensor as fp32, row-major `[rows, cols]`.
    public func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            dequantizeRows(0..<rows, into: buffer.baseAddress!)
            initialized = count
        }
    }
}

/// Element types of dense tensors.
public enum DenseType: String, Sendable, CaseIterable {
    case float16, float32, uint8, boolU8 = "bool_u8", int64

    public var byteWidth: Int {
        switch self {
        case .float16: return 2
        case .float32: return 4
        case .uint8, .boolU8: return 1
        case .int64: return 8
        }
    }
}

/// A dense little-endian tensor viewed in place inside a mapped file.
public struct DenseTensor: Sendable {
    public let name: String
    public let shape: [Int]
    public let dtype: DenseType
    private let bytes: ReadOnlyPointer

    /// `storage` keeps `data` alive, and nothing writes it while the view exists.
    public init(name: String, shape: [Int], dtype: DenseType, data: UnsafeRawPointer, storage: AnyObject) {
        self.name = name; self.shape = shape; self.dtype = dtype; self.bytes = ReadOnlyPointer(data, owner: storage)
    }

    public var data: UnsafeRawPointer { bytes.pointer }
    /// What keeps the bytes alive.
    public var storage: AnyObject { bytes.owner }

    public var count: Int { shape.reduce(1, *) }

    /// Values converted to fp32 (exactly, for float16 and float32).
    public func floats() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                switch dtype {
                case .float16: buffer[i] = Half.load(data, index: i)
                case .float32: buffer[i] = Float(bitPattern: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
                case .uint8, .boolU8: buffer[i] = Float(data.load(fromByteOffset: i, as: UInt8.self))
                case .int64: buffer[i] = Float(Int64(littleEndian: data.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
            initialized = count
        }
    }
}
