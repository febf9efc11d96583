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
}
