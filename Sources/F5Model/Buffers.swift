import F5Compute

/// fp32 scratch of a fixed size, aligned for vector loads; allocated once per synthesis. Shared between
/// threads on `AlignedBuffer`'s terms.
final class FloatBuffer: Sendable {
    let count: Int
    private let storage: AlignedBuffer

    init(_ count: Int) {
        self.count = count
        storage = AlignedBuffer(byteCount: count * MemoryLayout<Float>.stride)
        pointer.initialize(repeating: 0, count: count)
    }

    var pointer: UnsafeMutablePointer<Float> { storage.floats() }

    convenience init(_ values: [Float]) {
        self.init(values.count)
        values.withUnsafeBufferPointer { if let base = $0.baseAddress { pointer.update(from: base, count: values.count) } }
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
