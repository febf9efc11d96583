import F5TTS
import Foundation
import Hummingbird
import MultipartKit

/// `/v1/audio/voices`: list (no key needed: Open WebUI sends none), upload (multipart, OpenAI's fields) and delete.
struct VoiceController {
    let voices: VoiceStore
    let queue: SynthesisQueue
    /// Seconds an upload may take to arrive.
    let timeout: Double
    /// OpenAI's limit for `audio_sample`; the rest of the form adds little.
    static var maxSample: Int { 10 << 20 }

    struct VoiceList: ResponseEncodable { struct Entry: Encodable { let id: String; let name: String }
        let voices: [Entry] }
    /// OpenAI's `VoiceResource`.
    struct VoiceResource: ResponseEncodable { var object = "audio.voice"; let id: String; let name: String; let created_at: Int }
    struct Deleted: ResponseEncodable { var object = "audio.voice"; let id: String; var deleted = true }
    struct UploadForm: Decodable {
        var name: String
        var audio_sample: Data
        var ref_text: String?
        var consent: String?
        /// Replace a stored voice of the same name (otherwise 409).
        var overwrite: String?
    }

    var routes: [Route] {
        [Route(.get, "/v1/audio/voices") { try await list($0, context: $1).response(from: $0, context: $1) },
         Route(.post, "/v1/audio/voices") { try await upload($0, context: $1).response(from: $0, context: $1) },
         Route(.delete, "/v1/audio/voices/{id}") { try await delete($0, context: $1).response(from: $0, context: $1) }]
    }

    func list(_ request: Request, context: ServerContext) async throws -> VoiceList {
        let stored = voices.library.names().map { VoiceList.Entry(id: $0, name: $0) }
        return VoiceList(voices: [VoiceList.Entry(id: VoiceStore.builtInID, name: "Built-in voice")] + stored)
    }

    /// Stores a voice once its clip has been decoded and prepared as `speak` prepares references.
    func upload(_ request: Request, context: ServerContext) async throws -> VoiceResource {
        guard await !queue.isClosed else { throw OpenAIError.shuttingDown }
        guard let type = request.headers[.contentType].flatMap(MediaType.init(from:)), type.isType(.multipartForm),
              let boundary = type.parameter?.value else {
            throw OpenAIError(status: .unsupportedMediaType, message: "Send the voice as multipart/form-data (name, audio_sample, ref_text, consent).")
        }
        let tooLarge = OpenAIError(status: .contentTooLarge, message: "audio_sample is larger than 10 MiB.", param: "audio_sample")
        let body = try await context.collect(request, upTo: Self.maxSample + 64 << 10, within: timeout, tooLarge: tooLarge)
        let form: UploadForm
        do { form = try FormDataDecoder().decode(UploadForm.self, from: body, boundary: boundary) } catch let DecodingError.keyNotFound(key, _) {
            throw OpenAIError.badField(key.stringValue, "Missing required parameter: '\(key.stringValue)'.")
        } catch {
            throw OpenAIError(status: .badRequest, message: "The form could not be read: \(error)")
        }
        let name = form.name.trimmingCharacters(in: .whitespaces)
        guard VoiceLibrary.isSafeName(name), !VoiceStore.isBuiltIn(name) else {
            throw OpenAIError.badField("name", "Invalid voice name '\(form.name)': use 1 to 64 ASCII letters, digits, '-', '_' or '.' (not first), and not a built-in voice's name in any case.")
        }
        // OpenAI asks for the speaker's recorded consent; here the uploader states it.
        guard let consent = form.consent?.trimmingCharacters(in: .whitespaces).lowercased(), !consent.isEmpty,
              !["no", "false", "0", "off"].contains(consent) else {
            throw OpenAIError.badField("consent", "consent is required: the speaker's consent to clone this voice (e.g. consent=yes).")
        }
        let overwrite: Bool
        switch form.overwrite?.lowercased() {
        case nil, "false", "0", "no": overwrite = false
        case "true", "1", "yes": overwrite = true
        case let other?: throw OpenAIError.badField("overwrite", "overwrite must be true or false, got '\(other)'.")
        }
        let transcript = (form.ref_text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !transcript.isEmpty else { throw OpenAIError.badField("ref_text", "ref_text (what is said in audio_sample) is required.") }
        do { try VoiceLibrary.checkTranscript(transcript, name: "ref_text") } catch let error as F5TTSError { throw OpenAIError(error, param: "ref_text") }
        let audio = form.audio_sample
        guard audio.count <= Self.maxSample else { throw tooLarge }
        guard let ext = VoiceLibrary.audioExtension(sniffing: audio) else {
            throw OpenAIError.badField("audio_sample", "audio_sample is not WAV, FLAC, Ogg or MP3 audio.")
        }
        do {
            try await voices.add(name: name, audio: audio, audioExtension: ext, transcript: transcript, overwrite: overwrite, clipName: "audio_sample")
        } catch VoiceStore.Problem.exists(let name) {
            throw OpenAIError(status: .conflict, message: "A voice named '\(name)' exists: send overwrite=true to replace it.", param: "name", code: "voice_exists")
        } catch let error as F5TTSError {
            if case .cannotWrite = error { throw error }
            throw OpenAIError(error, param: "audio_sample")
        }
        return VoiceResource(id: name, name: name, created_at: Int(Date().timeIntervalSince1970))
    }

    func delete(_ request: Request, context: ServerContext) async throws -> Deleted {
        guard await !queue.isClosed else { throw OpenAIError.shuttingDown }
        let id = try context.parameters.require("id")
        guard !VoiceStore.isBuiltIn(id) else { throw OpenAIError.badField("id", "The built-in voice cannot be deleted.") }
        guard try await voices.remove(id) else { throw OpenAIError.voiceNotFound(id, param: "id") }
        return Deleted(id: id)
    }
}
