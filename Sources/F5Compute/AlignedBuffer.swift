import Foundation

/// Heap memory aligned for zmm loads, freed with the object. Kernels take its raw pointer;
/// holding the object keeps the memory alive (e.g. a cached tile that is being evicted).
public final class AlignedBuffer: @unchecked Sendable {
    public let byteCount: Int
    public let raw: UnsafeMutableRawPointer

    public init(byteCount: Int, alignment: Int = 64) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: alignment)
    }

    deinit { raw.deallocate() }

    public func floats() -> UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
}

/// Reuses per-call scratch buffers (quantized activations, score blocks) so that hot paths do
/// not pay fresh page faults on every call.
enum Scratch {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [AlignedBuffer] = []
    private static let keep = 16

    static func with<T>(bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> T) rethrows -> T {
        let buffer = take(bytes)
        defer { give(buffer) }
        return try body(buffer.raw)
    }

    private static func take(_ bytes: Int) -> AlignedBuffer {
        lock.lock()
        defer { lock.unlock() }
        if let i = free.firstIndex(where: { $0.byteCount >= bytes }) { return free.remove(at: i) }
        return AlignedBuffer(byteCount: bytes)
    }

    private static func give(_ buffer: AlignedBuffer) {
        lock.lock()
        defer { lock.unlock() }
        free.append(buffer)
        // Drop the smallest first: big buffers are the expensive ones to fault in again.
        if free.count > keep {
            free.sort { $0.byteCount > $1.byteCount }
            free.removeLast()
        }
    }
}
