import Foundation

/// Dequantized fp32 weight tiles kept under a byte budget. Tiles are kept in the order they are first
/// used until the budget is full, and then never evicted: a forward reads every weight in the same
/// cycle, and under a cyclic scan keeping a fixed part resident hits budget / model of the reads, while
/// least-recently-used eviction would drop each tile just before it is needed again (no hits at all
/// under any budget smaller than the model). Tiles that do not fit are dequantized into scratch memory
/// that is reused from call to call. Shared by all layers of one `DequantBLASBackend`; safe to use from
/// several threads.
public final class DequantTileCache: @unchecked Sendable {
    public struct Stats: Codable, Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        /// Misses whose tile did not fit what the budget had left (dequantized into scratch).
        public var uncached = 0
        public var bytesCached = 0
        public var budgetBytes = 0
    }

    private struct Key: Hashable { let layer: Int; let tile: Int }

    private let lock = NSLock()
    private var entries: [Key: AlignedBuffer] = [:]
    private var nextLayer = 0
    private var stats: Stats

    public init(budgetBytes: Int) { stats = Stats(budgetBytes: max(0, budgetBytes)) }

    public var snapshot: Stats {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// A fresh id for a layer's tiles (never reused, unlike object addresses).
    func registerLayer() -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextLayer += 1
        return nextLayer
    }

    func removeLayer(_ layer: Int) {
        lock.lock()
        defer { lock.unlock() }
        for (key, buffer) in entries where key.layer == layer {
            stats.bytesCached -= buffer.byteCount
            entries[key] = nil
        }
    }

    /// Runs `body` on the tile: the cached one, or one filled by `fill` that is kept when it fits what
    /// the budget has left and otherwise lives in reused scratch memory for the call only. A cached tile
    /// is never freed while the cache lives, so `body` may use it without holding the lock.
    func withTile<T>(layer: Int, index: Int, bytes: Int, fill: (UnsafeMutablePointer<Float>) -> Void,
                     _ body: (UnsafePointer<Float>) throws -> T) rethrows -> T {
        let key = Key(layer: layer, tile: index)
        lock.lock()
        if let buffer = entries[key] {
            stats.hits += 1
            lock.unlock()
            return try body(buffer.floats())
        }
        stats.misses += 1
        let keep = stats.bytesCached + bytes <= stats.budgetBytes
        if keep { stats.bytesCached += bytes } else { stats.uncached += 1 }
        lock.unlock()

        guard keep else {
            return try Scratch.with(bytes: bytes) { raw in
                let tile = raw.assumingMemoryBound(to: Float.self)
                fill(tile)
                return try body(tile)
            }
        }
        let buffer = AlignedBuffer(byteCount: bytes)
        fill(buffer.floats())
        lock.lock()
        if let raced = entries[key] {
            stats.bytesCached -= bytes // another thread filled it first: keep theirs
            lock.unlock()
            return try body(raced.floats())
        }
        entries[key] = buffer
        lock.unlock()
        return try body(buffer.floats())
    }
}
