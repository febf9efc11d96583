import F5TTS
import Foundation
import Hummingbird

/// The server: routes, the API key check and the bind address; `onReady` gets the port it listens on.
public func buildApplication(_ arguments: some ServerArguments, synthesizer: Synthesizer,
                             onReady: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
    let router = buildRouter(arguments, synthesizer: synthesizer)
    return Application(
        router: router,
        configuration: .init(address: .hostname(arguments.host, port: arguments.port), serverName: "f5tts"),
        onServerRunning: { channel in onReady(channel.localAddress?.port ?? arguments.port) })
}

func buildRouter(_ arguments: some ServerArguments, synthesizer: Synthesizer) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    let voices = VoiceStore(directory: arguments.voicesDirectory, synthesizer: synthesizer)
    let queue = SynthesisQueue(maxQueue: arguments.maxQueue)
    PageController().addRoutes(to: router)
    InfoController(synthesizer: synthesizer, voices: voices, queue: queue).addRoutes(to: router)
    let v1 = router.group("v1").add(middleware: APIKeyMiddleware(key: arguments.apiKey))
    SpeechController(synthesizer: synthesizer, voices: voices, queue: queue).addRoutes(to: v1)
    return router
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
