import Foundation

/// Dequantized fp32 weight tiles kept under a byte budget, least recently used evicted first.
/// Shared by all layers of one `DequantBLASBackend`; safe to use from several threads.
public final class DequantTileCache: @unchecked Sendable {
    public struct Stats: Codable, Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var evictions = 0
        public var bytesCached = 0
        public var budgetBytes = 0
    }

    private struct Key: Hashable { let layer: Int; let tile: Int }
    private struct Entry { let buffer: AlignedBuffer; var lastUse: Int }

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    private var clock = 0
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
        for (key, entry) in entries where key.layer == layer {
            stats.bytesCached -= entry.buffer.byteCount
            entries[key] = nil
        }
    }

    /// The cached tile, or a new one filled by `fill` (kept when it fits the budget). The caller
    /// holds the returned buffer, so an eviction never frees memory in use.
    func tile(layer: Int, index: Int, bytes: Int, fill: (UnsafeMutablePointer<Float>) -> Void) -> AlignedBuffer {
        let key = Key(layer: layer, tile: index)
        lock.lock()
        clock += 1
        if var entry = entries[key] {
            entry.lastUse = clock
            entries[key] = entry
            stats.hits += 1
            lock.unlock()
            return entry.buffer
        }
        stats.misses += 1
        lock.unlock()

        let buffer = AlignedBuffer(byteCount: bytes)
        fill(buffer.floats())
        guard bytes <= stats.budgetBytes else { return buffer }

        lock.lock()
        defer { lock.unlock() }
        if let raced = entries[key] { return raced.buffer }
        while stats.bytesCached + bytes > stats.budgetBytes, let victim = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            stats.bytesCached -= victim.value.buffer.byteCount
            stats.evictions += 1
            entries[victim.key] = nil
        }
        entries[key] = Entry(buffer: buffer, lastUse: clock)
        stats.bytesCached += bytes
        return buffer
    }
}
