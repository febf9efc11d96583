import Synchronization

/// Heap memory aligned for zmm loads, freed with the object. Kernels take its raw pointer;
/// holding the object keeps the memory alive (e.g. a cached tile that is being evicted).
/// Unchecked: the pointer never changes, and the bytes are written either before the buffer is shared (weights,
/// cached tiles) or by the tasks of one region at a time, each its own part.
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

/// Reuses per-call scratch buffers (quantized activations, score blocks, im2col rows) so that hot paths
/// do not pay fresh page faults on every call; tasks of one region each take their own.
public enum Scratch {
    private static let free = Mutex<[AlignedBuffer]>([])
    private static let keep = 16

    public static func with<T>(bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> T) rethrows -> T {
        let buffer = take(bytes)
        defer { give(buffer) }
        return try body(buffer.raw)
    }

    public static func floats<T>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> T) rethrows -> T {
        try with(bytes: count * MemoryLayout<Float>.stride) { try body($0.assumingMemoryBound(to: Float.self)) }
    }

    private static func take(_ bytes: Int) -> AlignedBuffer {
        let reused = free.withLock { free -> AlignedBuffer? in
            // The most recently returned one that fits: likely the one this thread just used, still in its cache.
            guard let i = free.lastIndex(where: { $0.byteCount >= bytes }) else { return nil }
            return free.remove(at: i)
        }
        return reused ?? AlignedBuffer(byteCount: bytes)
    }

    private static func give(_ buffer: AlignedBuffer) {
        free.withLock { free in
            free.append(buffer)
            // Drop the smallest first: big buffers are the expensive ones to fault in again.
            if free.count > keep {
                free.sort { $0.byteCount > $1.byteCount }
                free.removeLast()
            }
        }
    }
}
