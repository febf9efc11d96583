import Foundation
import Hummingbird
import NIOCore

/// Watches a streamed response: it ends the writing task when the client closes the connection or when a
/// write has not completed for `timeout` (a client that stops reading), so the synthesis behind it stops and
/// its place in the queue goes to the next request. It never reads the connection, so a request pipelined
/// behind this one stays for the server to answer next.
struct StreamGuard: Sendable {
    enum End: Error, CustomStringConvertible {
        case clientGone, writeTimeout(Double)
        var description: String {
            switch self {
            case .clientGone: return "the client closed the connection"
            case .writeTimeout(let seconds): return "the client read nothing for \(seconds) s"
            }
        }
        var reason: String { if case .clientGone = self { return "client_gone" } else { return "write_timeout" } }
    }

    /// When the write in progress began (nil between writes).
    actor Clock {
        var pendingSince: ContinuousClock.Instant?
        func begin() { pendingSince = .now }
        func end() { pendingSince = nil }
    }

    let channel: any Channel
    let timeout: Double
    let clock = Clock()

    /// One write, timed.
    func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        await clock.begin()
        try await writer.write(buffer)
        await clock.end()
    }

    /// Runs `operation` (which writes through `write`) until it returns, or throws `End` once the client is
    /// gone or a write stalls; the operation is then cancelled.
    func run(_ operation: () async throws -> Void) async throws {
        try await withoutActuallyEscaping(operation) { operation in
            // The operation runs in a child task while this one waits; nothing else touches it meanwhile.
            let transfer = Transfer(operation)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await transfer.value(); return true }
                group.addTask { try await watch(); return false }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        }
    }

    /// Throws when the connection is closed or a write is late; checked a few times per timeout.
    private func watch() async throws {
        let tick = Duration.milliseconds(Int(min(250, max(10, timeout * 250))))
        while true {
            try await Task.sleep(for: tick)
            if !channel.isActive { throw End.clientGone }
            if let since = await clock.pendingSince, (ContinuousClock.now - since) > .milliseconds(Int(timeout * 1000)) {
                throw End.writeTimeout(timeout)
            }
        }
    }

    /// Hands the non-escaping operation to the child task; `run` awaits that task before returning, which
    /// is what makes this transfer safe.
    private struct Transfer: @unchecked Sendable {
        let value: () async throws -> Void
        init(_ value: @escaping () async throws -> Void) { self.value = value }
    }
}
