import Foundation

/// Admission to the one synthesis that runs at a time: the running request and at most `maxQueue`
/// waiting ones (the synthesizer runs them first come, first served); past that, 429.
final class SynthesisQueue: @unchecked Sendable {
    let maxQueue: Int
    private let lock = NSLock()
    private var admitted = 0

    init(maxQueue: Int) { self.maxQueue = maxQueue }

    /// Requests admitted and not finished (running and waiting).
    var depth: Int { lock.lock(); defer { lock.unlock() }; return admitted }

    /// Takes a place, or says there is none.
    func admit() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard admitted < maxQueue + 1 else { return false }
        admitted += 1
        return true
    }

    func release() {
        lock.lock()
        admitted -= 1
        lock.unlock()
    }
}
