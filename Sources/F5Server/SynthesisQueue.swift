import Foundation

/// Admission to the one synthesis that runs at a time: the running request and at most `maxQueue`
/// waiting ones (the synthesizer runs them first come, first served); past that, 429. Once closed (the
/// server is shutting down) nothing more is admitted, and `drained` waits for what was.
final class SynthesisQueue: @unchecked Sendable {
    enum Admission { case admitted, full, closed }

    let maxQueue: Int
    private let lock = NSLock()
    private var admitted = 0
    private var closed = false

    init(maxQueue: Int) { self.maxQueue = maxQueue }

    /// Requests admitted and not finished (running and waiting).
    var depth: Int { lock.lock(); defer { lock.unlock() }; return admitted }
    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }

    /// Takes a place, or says why there is none.
    func admit() -> Admission {
        lock.lock()
        defer { lock.unlock() }
        if closed { return .closed }
        guard admitted < maxQueue + 1 else { return .full }
        admitted += 1
        ServerMetrics.queueDepth.record(admitted)
        return .admitted
    }

    func release() {
        lock.lock()
        admitted -= 1
        ServerMetrics.queueDepth.record(admitted)
        lock.unlock()
    }

    func close() { lock.lock(); closed = true; lock.unlock() }

    /// Returns when every admitted request has finished (or the task is cancelled).
    func drained() async {
        while depth > 0, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
    }
}
