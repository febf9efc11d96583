import Synchronization

/// Dequantized fp32 weight tiles kept under a byte budget. Tiles are kept in the order they are first
/// used until the budget is full, and then never evicted: a forward reads every weight in the same
/// cycle, and under a cyclic scan keeping a fixed part resident hits budget / model of the reads, while
/// least-recently-used eviction would drop each tile just before it is needed again (no hits at all
/// under any budget smaller than the model). Tiles that do not fit are dequantized into scratch memory
/// that is reused from call to call. Shared by all layers of one `DequantBLASBackend`; safe to use from
/// several threads.
public final class DequantTileCache: Sendable {
    public struct Stats: Codable, Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        /// Misses whose tile did not fit what the budget had left (dequantized into scratch).
        public var uncached = 0
        public var bytesCached = 0
        public var budgetBytes = 0
    }

    private struct Key: Hashable { let layer: Int; let tile: Int }

    private struct State {
        var entries: [Key: AlignedBuffer] = [:]
        var nextLayer = 0
        var stats: Stats
    }

    private let state: Mutex<State>

    public init(budgetBytes: Int) { state = Mutex(State(stats: Stats(budgetBytes: max(0, budgetBytes)))) }

    public var snapshot: Stats { state.withLock { $0.stats } }

    /// A fresh id for a layer's tiles (never reused, unlike object addresses).
    func registerLayer() -> Int {
        state.withLock {
            $0.nextLayer += 1
            return $0.nextLayer
        }
    }

    func removeLayer(_ layer: Int) {
        state.withLock { state in
            for (key, buffer) in state.entries where key.layer == layer {
                state.stats.bytesCached -= buffer.byteCount
                state.entries[key] = nil
            }
        }
    }

    /// Runs `body` on the tile: the cached one, or one filled by `fill` that is kept when it fits what
    /// the budget has left and otherwise lives in reused scratch memory for the call only. A cached tile
    /// is never freed while the cache lives, so `body` may use it without holding the lock.
    func withTile<T>(layer: Int, index: Int, bytes: Int, fill: (UnsafeMutablePointer<Float>) -> Void,
                     _ body: (UnsafePointer<Float>) throws -> T) rethrows -> T {
        let key = Key(layer: layer, tile: index)
        let (cached, keep) = state.withLock { state -> (AlignedBuffer?, Bool) in
            if let buffer = state.entries[key] {
                state.stats.hits += 1
                return (buffer, true)
            }
            state.stats.misses += 1
            let keep = state.stats.bytesCached + bytes <= state.stats.budgetBytes
            if keep { state.stats.bytesCached += bytes } else { state.stats.uncached += 1 }
            return (nil, keep)
        }
        if let cached { return try body(cached.floats()) }
        guard keep else {
            return try Scratch.with(bytes: bytes) { raw in
                let tile = raw.assumingMemoryBound(to: Float.self)
                fill(tile)
                return try body(tile)
            }
        }
        let filled = AlignedBuffer(byteCount: bytes)
        fill(filled.floats())
        let buffer = state.withLock { state -> AlignedBuffer in
            if let raced = state.entries[key] {
                state.stats.bytesCached -= bytes // another thread filled it first: keep theirs
                return raced
            }
            state.entries[key] = filled
            return filled
        }
        return try body(buffer.floats())
    }
}
