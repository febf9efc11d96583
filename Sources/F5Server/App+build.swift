import F5TTS
import Foundation
import Hummingbird
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
    let queue = SynthesisQueue(maxQueue: arguments.maxQueue)
    let app = Application(
        router: buildRouter(arguments, synthesizer: synthesizer, queue: queue, registry: registry),
        configuration: .init(address: .hostname(arguments.host, port: arguments.port), serverName: "f5tts"),
        onServerRunning: { channel in onReady(channel.localAddress?.port ?? arguments.port) })
    let logger = Logger(label: "f5tts")
    var configuration = ServiceGroupConfiguration(
        services: [.init(service: app), .init(service: Drain(queue: queue), successTerminationBehavior: .ignore)],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = .milliseconds(Int(gracePeriod * 1000))
    try await ServiceGroup(configuration: configuration).run()
}

func buildRouter(_ arguments: some ServerArguments, synthesizer: Synthesizer, queue: SynthesisQueue,
                 registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware())
    let voices = VoiceStore(directory: arguments.voicesDirectory, synthesizer: synthesizer)
    PageController().addRoutes(to: router)
    InfoController(synthesizer: synthesizer, queue: queue, registry: registry).addRoutes(to: router)
    let v1 = router.group("v1").add(middleware: APIKeyMiddleware(key: arguments.apiKey))
    VoiceController(voices: voices, queue: queue).addRoutes(list: router, changes: v1)
    SpeechController(synthesizer: synthesizer, voices: voices, queue: queue).addRoutes(to: v1)
    return router
}

/// The first service told to shut down (services stop in reverse order): it closes the queue, so new
/// requests get 503 while the server still listens, and returns once the admitted ones are done; only
/// then does the HTTP server stop.
struct Drain: Service {
    let queue: SynthesisQueue

    func run() async throws {
        try? await gracefulShutdown()
        queue.close()
        await queue.drained()
    }
}

/// With a key, POST and DELETE need `Authorization: Bearer <key>`; without one, anything goes (an empty
/// `Bearer ` header included: SillyTavern sends one).
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let key, request.method == .post || request.method == .delete, request.headers[.authorization] != "Bearer \(key)" {
            throw OpenAIError(status: .unauthorized, message: "Incorrect API key provided.", code: "invalid_api_key")
        }
        return try await next(request, context)
    }
}
