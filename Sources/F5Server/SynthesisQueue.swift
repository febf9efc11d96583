import Foundation

/// The syntheses that run (up to `workers` side by side) and the requests waiting for them, first come first
/// served. Admission is checked before a response starts: at most `maxQueue` waiting behind the running ones and
/// `maxPerClient` per client address, else 429; once closed (shutting down), 503. `drained` returns
/// when every admitted request has finished.
actor SynthesisQueue {
    enum Refusal: Error { case full, clientLimit, closed }

    /// A place in the queue, held from admission until `finish`.
    struct Ticket: Hashable, Sendable { let id: Int; let client: String }

    let workers: Int
    let maxQueue: Int
    let maxPerClient: Int
    private var nextID = 0
    private var admitted: [Ticket] = []
    private var running: Set<Ticket> = []
    /// Admitted tickets whose turn is awaited, in order.
    private var waiting: [(ticket: Ticket, turn: CheckedContinuation<Void, Error>)] = []
    private var closed = false
    private var drainWaiters: [Int: CheckedContinuation<Void, Never>] = [:]

    init(workers: Int, maxQueue: Int, maxPerClient: Int) {
        self.workers = workers
        self.maxQueue = maxQueue
        self.maxPerClient = maxPerClient
    }

    /// Requests admitted and not finished (running and waiting).
    var depth: Int { admitted.count }
    /// Requests synthesizing now.
    var runningCount: Int { running.count }
    var isClosed: Bool { closed }

    /// Takes a place for `client`, or says why there is none.
    func admit(client: String) throws(Refusal) -> Ticket {
        if closed { throw .closed }
        guard admitted.count < maxQueue + workers else { throw .full }
        guard admitted.lazy.filter({ $0.client == client }).count < maxPerClient else { throw .clientLimit }
        nextID += 1
        let ticket = Ticket(id: nextID, client: client)
        admitted.append(ticket)
        ServerMetrics.queueDepth.record(admitted.count)
        return ticket
    }

    /// Returns when `ticket` may synthesize: at once when a worker is free (then none waits), else when one
    /// is given back and those admitted before it have started. Cancelled while waiting, it throws
    /// `CancellationError` (the ticket stays admitted until `finish`).
    func start(_ ticket: Ticket) async throws {
        guard running.count >= workers else { running.insert(ticket); return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (turn: CheckedContinuation<Void, Error>) in
                if Task.isCancelled { turn.resume(throwing: CancellationError()) } else { waiting.append((ticket, turn)) }
            }
        } onCancel: {
            Task { await self.leave(ticket) }
        }
    }

    /// Gives the place back (running or not) and lets the next waiting ticket run.
    func finish(_ ticket: Ticket) {
        admitted.removeAll { $0 == ticket }
        leave(ticket)
        if running.remove(ticket) != nil, !waiting.isEmpty {
            let next = waiting.removeFirst()
            running.insert(next.ticket)
            next.turn.resume()
        }
        ServerMetrics.queueDepth.record(admitted.count)
        if closed, admitted.isEmpty { releaseDrainWaiters() }
    }

    /// A waiting ticket that is no longer waited for.
    private func leave(_ ticket: Ticket) {
        guard let index = waiting.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiting.remove(at: index).turn.resume(throwing: CancellationError())
    }

    func close() {
        closed = true
        if admitted.isEmpty { releaseDrainWaiters() }
    }

    /// Returns when every admitted request has finished, or when the calling task is cancelled.
    func drained() async {
        nextID += 1
        let id = nextID
        await withTaskCancellationHandler {
            await withCheckedContinuation { done in
                if (closed && admitted.isEmpty) || Task.isCancelled { done.resume() } else { drainWaiters[id] = done }
            }
        } onCancel: {
            Task { await self.releaseDrainWaiter(id) }
        }
    }

    private func releaseDrainWaiter(_ id: Int) { drainWaiters.removeValue(forKey: id)?.resume() }

    private func releaseDrainWaiters() {
        for waiter in drainWaiters.values { waiter.resume() }
        drainWaiters = [:]
    }
}
