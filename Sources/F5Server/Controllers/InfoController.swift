import F5TTS
import Foundation
import Hummingbird

/// What clients ask before they speak: models, voices, health.
struct InfoController<Context: RequestContext> {
    let synthesizer: Synthesizer
    let voices: VoiceStore
    let queue: SynthesisQueue

    struct ModelList: ResponseEncodable { struct Model: Encodable { let id: String; let object = "model"; let owned_by = "f5tts" }
        let object = "list"; let data: [Model] }
    struct VoiceList: ResponseEncodable { struct Entry: Encodable { let id: String; let name: String }
        let voices: [Entry] }
    struct Health: ResponseEncodable {
        let status: String, model: String, backend: String, threads: Int, queue_depth: Int, busy: Bool
    }

    func addRoutes(to router: Router<Context>) {
        router.get("health", use: health)
        router.get("v1/models", use: models)
        router.get("v1/audio/models", use: models)
        router.get("v1/audio/voices", use: voiceList)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Health {
        Health(status: "ok", model: synthesizer.files.f5.tree.displayName, backend: synthesizer.backend.name,
               threads: ComputeThreads.count, queue_depth: queue.depth, busy: queue.depth > 0)
    }

    /// OpenAI's model names map to the one model: clients send `tts-1` and the like.
    @Sendable func models(_ request: Request, context: Context) async throws -> ModelList {
        ModelList(data: ["f5tts", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"].map { ModelList.Model(id: $0) })
    }

    @Sendable func voiceList(_ request: Request, context: Context) async throws -> VoiceList {
        let stored = voices.library.names().map { VoiceList.Entry(id: $0, name: $0) }
        return VoiceList(voices: [VoiceList.Entry(id: VoiceStore.builtInID, name: "Built-in voice")] + stored)
    }
}
