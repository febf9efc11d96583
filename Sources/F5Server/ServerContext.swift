import Foundation
import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the connection, whose peer
/// address counts against the per-client limit and whose closing stops a streamed synthesis.
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The peer's IP address (the port left out: one client opens many connections).
    var clientAddress: String { channel.remoteAddress?.ipAddress ?? "unknown" }

    /// The request's body, at most `limit` bytes, arrived within `seconds` (else 408, and the connection
    /// stops reading: what is left of the body is never waited for).
    func collect(_ request: Request, upTo limit: Int, within seconds: Double, tooLarge: OpenAIError) async throws -> ByteBuffer {
        let body = request.body
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))); return nil }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let buffer = first else {
                    channel.close(mode: .input, promise: nil)
                    throw OpenAIError(status: .requestTimeout, message: "The request body did not arrive within \(seconds) s.", code: "timeout")
                }
                return buffer
            }
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch let error as OpenAIError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The HTTP parser's errors: a body whose framing (chunk sizes, length) cannot be read.
            throw OpenAIError(status: .badRequest, message: "The request body cannot be read: \(error).", code: "malformed_body")
        }
    }
}
