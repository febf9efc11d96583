import F5TTS
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Runs the server until SIGTERM or SIGINT: then new requests get 503, what was admitted finishes
/// (for at most `gracePeriod` seconds, then it is cancelled) and the call returns. `onReady` gets the port.
public func runServer(_ arguments: some ServerArguments, synthesizer: Synthesizer, gracePeriod: Double,
                      onReady: @escaping @Sendable (Int) -> Void) async throws {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(ServerMetrics.factory(registry: registry))
    let queue = SynthesisQueue(workers: synthesizer.workers, maxQueue: arguments.maxQueue, maxPerClient: arguments.maxPerClient)
    let logger = Logger(label: "f5tts")
    let policy = AccessPolicy(arguments)
    if policy.listensBeyondLoopback, policy.key == nil {
        logger.warning("listening beyond loopback without --api-key: voice uploads and deletes are refused")
    }
    // The idle timeout closes a connection that sends nothing for that long: a silent one, one whose
    // request head never completes, and a keep-alive one between requests.
    let app = Application(
        router: buildRouter(arguments, synthesizer: synthesizer, queue: queue, policy: policy, registry: registry),
        server: HTTPServerBuilder { responder in
            ServerChannel(http1: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .milliseconds(Int64(arguments.timeout * 1000)))))
        },
        configuration: .init(address: .hostname(arguments.host, port: arguments.port), serverName: "f5tts"),
        onServerRunning: { channel in onReady(channel.localAddress?.port ?? arguments.port) })
    var configuration = ServiceGroupConfiguration(
        services: [.init(service: app), .init(service: Drain(queue: queue), successTerminationBehavior: .ignore)],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = .milliseconds(Int(gracePeriod * 1000))
    try await ServiceGroup(configuration: configuration).run()
}

/// One route: its method, path and handler (the router learns it, and so does the table behind 405's `Allow`).
struct Route: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let handler: @Sendable (Request, ServerContext) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response) {
        self.method = method; self.path = path; self.handler = handler
    }
}

func buildRouter(_ arguments: some ServerArguments, synthesizer: Synthesizer, queue: SynthesisQueue, policy: AccessPolicy,
                 registry: PrometheusCollectorRegistry) -> Router<ServerContext> {
    let voices = VoiceStore(directory: arguments.voicesDirectory, synthesizer: synthesizer, cacheBytes: arguments.voiceCacheBytes)
    let routes = PageController().routes
        + InfoController(synthesizer: synthesizer, queue: queue, registry: registry).routes
        + VoiceController(voices: voices, queue: queue, timeout: arguments.timeout).routes
        + SpeechController(synthesizer: synthesizer, voices: voices, queue: queue, timeout: arguments.timeout).routes
    var table = RouteTable()
    for route in routes { table.add(route.path, route.method) }
    // HEAD wherever GET is; every error, the router's own included, leaves through ErrorMiddleware.
    let router = Router(context: ServerContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: ErrorMiddleware(routes: table))
    router.add(middleware: AccessMiddleware(policy: policy))
    for route in routes { router.on(RouterPath(route.path), method: route.method, use: route.handler) }
    return router
}

/// The first service told to shut down (services stop in reverse order): it closes the queue, so new
/// requests get 503 while the server still listens, and returns once the admitted ones are done; only
/// then does the HTTP server stop.
struct Drain: Service {
    let queue: SynthesisQueue

    func run() async throws {
        try? await gracefulShutdown()
        await queue.close()
        await queue.drained()
    }
}
