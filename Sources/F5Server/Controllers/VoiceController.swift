import F5TTS
import Foundation
import Hummingbird
import MultipartKit

/// `/v1/audio/voices`: list (no key needed: Open WebUI sends none), upload (multipart, OpenAI's fields) and delete.
struct VoiceController<Context: RequestContext> {
    let voices: VoiceStore
    let queue: SynthesisQueue
    /// OpenAI's limit for `audio_sample`; the rest of the form adds little.
    static var maxSample: Int { 10 << 20 }

    struct VoiceList: ResponseEncodable { struct Entry: Encodable { let id: String; let name: String }
        let voices: [Entry] }
    /// OpenAI's `VoiceResource`.
    struct VoiceResource: ResponseEncodable { let object = "audio.voice"; let id: String; let name: String; let created_at: Int }
    struct Deleted: ResponseEncodable { let object = "audio.voice"; let id: String; let deleted = true }
    struct UploadForm: Decodable {
        var name: String
        var audio_sample: Data
        var ref_text: String?
        var consent: String?
    }

    func addRoutes(list router: Router<Context>, changes group: RouterGroup<Context>) {
        router.get("v1/audio/voices", use: list)
        group.post("audio/voices", use: upload)
        group.delete("audio/voices/{id}", use: delete)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> VoiceList {
        let stored = voices.library.names().map { VoiceList.Entry(id: $0, name: $0) }
        return VoiceList(voices: [VoiceList.Entry(id: VoiceStore.builtInID, name: "Built-in voice")] + stored)
    }

    /// Stores a voice once its clip has been decoded and prepared as `speak` prepares references.
    @Sendable func upload(_ request: Request, context: Context) async throws -> VoiceResource {
        guard !queue.isClosed else { throw OpenAIError.shuttingDown }
        guard let type = request.headers[.contentType].flatMap(MediaType.init(from:)), type.isType(.multipartForm),
              let boundary = type.parameter?.value else {
            throw OpenAIError(status: .unsupportedMediaType, message: "Send the voice as multipart/form-data (name, audio_sample, ref_text).")
        }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Self.maxSample + 64 << 10) } catch {
            throw OpenAIError(status: .contentTooLarge, message: "audio_sample is larger than 10 MiB.", param: "audio_sample")
        }
        let form: UploadForm
        do { form = try FormDataDecoder().decode(UploadForm.self, from: body, boundary: boundary) } catch let DecodingError.keyNotFound(key, _) {
            throw OpenAIError.badField(key.stringValue, "Missing required parameter: '\(key.stringValue)'.")
        } catch {
            throw OpenAIError(status: .badRequest, message: "The form could not be read: \(error)")
        }
        let name = form.name.trimmingCharacters(in: .whitespaces)
        guard VoiceLibrary.isSafeName(name), !VoiceStore.isBuiltIn(name) else {
            throw OpenAIError.badField("name", "Invalid voice name '\(form.name)': use 1 to 64 ASCII letters, digits, '-', '_' or '.' (not first), and not a built-in voice's name.")
        }
        let transcript = (form.ref_text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !transcript.isEmpty else { throw OpenAIError.badField("ref_text", "ref_text (what is said in audio_sample) is required.") }
        let audio = form.audio_sample
        guard audio.count <= Self.maxSample else {
            throw OpenAIError(status: .contentTooLarge, message: "audio_sample is larger than 10 MiB.", param: "audio_sample")
        }
        guard let ext = VoiceLibrary.audioExtension(sniffing: audio) else {
            throw OpenAIError.badField("audio_sample", "audio_sample is not WAV, FLAC, Ogg or MP3 audio.")
        }
        do { try await voices.add(name: name, audio: audio, audioExtension: ext, transcript: transcript) } catch let error as F5TTSError {
            if case .cannotWrite = error { throw error }
            throw OpenAIError.badField("audio_sample", "audio_sample cannot be used as a reference: \(error)")
        }
        return VoiceResource(id: name, name: name, created_at: Int(Date().timeIntervalSince1970))
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Deleted {
        let id = try context.parameters.require("id")
        guard !VoiceStore.isBuiltIn(id) else { throw OpenAIError.badField("id", "The built-in voice cannot be deleted.") }
        guard try voices.remove(id) else { throw OpenAIError.voiceNotFound(id) }
        return Deleted(id: id)
    }
}
