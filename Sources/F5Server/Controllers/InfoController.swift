import F5Compute
import F5TTS
import Foundation
import Hummingbird
import Prometheus

/// What clients and operators ask: models, health, metrics.
struct InfoController {
    let synthesizer: Synthesizer
    let queue: SynthesisQueue
    let registry: PrometheusCollectorRegistry

    /// OpenAI's model names map to the one model: clients send `tts-1` and the like.
    static var modelNames: [String] { ["f5tts", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"] }

    struct ModelList: ResponseEncodable { struct Model: Encodable { let id: String; let object = "model"; let owned_by = "f5tts" }
        let object = "list"; let data: [Model] }
    /// `GET /v1/audio/models`, the local servers' convention that Open WebUI reads.
    struct AudioModelList: ResponseEncodable { struct Model: Encodable { let id: String }
        let models: [Model] }
    struct SettingList: Encodable { let settings: [SettingDescription] }
    struct Health: Encodable {
        let status: String, model: String, backend: String, threads: Int, workers: Int, running: Int, queue_depth: Int, busy: Bool
    }

    var routes: [Route] {
        [Route(.get, "/health") { try await health($0, context: $1) },
         Route(.get, "/v1/models") { try await models($0, context: $1).response(from: $0, context: $1) },
         Route(.get, "/v1/audio/models") { try await audioModels($0, context: $1).response(from: $0, context: $1) },
         Route(.get, "/v1/audio/settings") { try await settings($0, context: $1) },
         Route(.get, "/metrics") { try await metrics($0, context: $1) }]
    }

    /// 200 while serving, 503 once shutting down (so load balancers stop sending). The model is named by its
    /// folder, not its path (the page is public to whoever can reach the port).
    func health(_ request: Request, context: ServerContext) async throws -> Response {
        let (closed, depth, running) = (await queue.isClosed, await queue.depth, await queue.runningCount)
        let health = Health(status: closed ? "shutting_down" : "ok", model: (synthesizer.files.f5.tree.displayName as NSString).lastPathComponent,
                            backend: synthesizer.backend.name, threads: ComputeThreads.count, workers: synthesizer.workers, running: running,
                            queue_depth: depth, busy: depth > 0)
        return Response(status: closed ? .serviceUnavailable : .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(health))))
    }

    func models(_ request: Request, context: ServerContext) async throws -> ModelList {
        ModelList(data: Self.modelNames.map { ModelList.Model(id: $0) })
    }

    func audioModels(_ request: Request, context: ServerContext) async throws -> AudioModelList {
        AudioModelList(models: Self.modelNames.map { AudioModelList.Model(id: $0) })
    }

    /// `GET /v1/audio/settings`: every synthesis setting the speech endpoint takes, with its range and the
    /// value used when a request leaves it out (the bundle's recommendation, else the default). The web
    /// page builds its controls from it.
    func settings(_ request: Request, context: ServerContext) async throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = try encoder.encode(SettingList(settings: SettingDescription.all(recommended: synthesizer.files.f5.manifest.inference)))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: body)))
    }

    /// Prometheus's text format.
    func metrics(_ request: Request, context: ServerContext) async throws -> Response {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
