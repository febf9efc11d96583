import F5TTS
import Foundation
import Hummingbird

/// `POST /v1/audio/speech`'s body: OpenAI's fields, plus the synthesis settings of `SynthesisSetting.all`
/// under F5-TTS's names (`speed` among them), checked as every front end checks them.
struct SpeechRequest: Decodable, Sendable {
    var model: String?
    var input: String
    var voice: VoiceReference
    var responseFormat: String?
    var streamFormat: String?
    /// Accepted and ignored (OpenAI's steering prompt).
    var instructions: String?
    var refText: String?
    /// Split `input` by `[name]` tags that name stored voices (`[main]`: `voice`), as F5-TTS's multi-voice CLI.
    var multiVoice: Bool?
    /// A short first text chunk, for earlier first audio (default on: streamed responses).
    var shortFirstChunk: Bool?
    /// The settings given, unchecked (decoded from the same body by `SettingFields`).
    var settings: [String: SettingValue] = [:]

    enum CodingKeys: String, CodingKey {
        case model, input, voice, responseFormat = "response_format", streamFormat = "stream_format", instructions
        case refText = "ref_text", multiVoice = "multi_voice", shortFirstChunk = "short_first_chunk"
    }
}

extension SpeechRequest {
    /// A key written twice in the top-level object, which JSONDecoder would settle silently (the last wins).
    static func duplicateKey(in json: Data) -> String? {
        var seen = Set<String>()
        var depth = 0, stringStart: Int?, escaped = false, lastString: Range<Int>?
        for (i, byte) in json.enumerated() {
            if let start = stringStart {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") {
                    lastString = start..<(i + 1)
                    stringStart = nil
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): stringStart = i
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ":") where depth == 1:
                // The string before a colon at the top level is a key; decoded, so escapes count as the letter.
                guard let range = lastString, let key = try? JSONDecoder().decode(String.self, from: json.subdata(in: range)) else { continue }
                if !seen.insert(key).inserted { return key }
            default: break
            }
        }
        return nil
    }
}

/// The table's settings in a request body.
struct SettingFields: Decodable {
    var values: [String: SettingValue]
    init(from decoder: Decoder) throws { values = try SynthesisSetting.values(in: decoder) }
}

/// A voice as clients name it: `"alloy"` or `{"id": "alloy"}`.
struct VoiceReference: Decodable, Sendable {
    var id: String

    init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            id = name
        } else {
            struct Object: Decodable { var id: String }
            id = try Object(from: decoder).id
        }
    }
}

/// An error in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}` with explicit nulls.
struct OpenAIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var type = "invalid_request_error"
    var param: String?
    var code: String?
    /// Extra headers (`Retry-After` on 429).
    var headers: HTTPFields = [:]

    static func badField(_ param: String, _ message: String) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, param: param)
    }

    static func voiceNotFound(_ id: String, param: String = "voice") -> OpenAIError {
        OpenAIError(status: .notFound, message: "The voice '\(id)' does not exist: see GET /v1/audio/voices.", param: param, code: "voice_not_found")
    }

    static var shuttingDown: OpenAIError {
        OpenAIError(status: .serviceUnavailable, message: "The server is shutting down.", type: "server_error", code: "shutting_down")
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(data: json)))
    }

    /// `{"error": {...}}`, keys sorted.
    var json: Data {
        struct Payload: Encodable {
            let error: OpenAIError
            struct Keys: CodingKey {
                var stringValue: String
                init(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: Encoder) throws {
                var outer = encoder.container(keyedBy: Keys.self)
                var inner = outer.nestedContainer(keyedBy: Keys.self, forKey: Keys(stringValue: "error"))
                try inner.encode(error.message, forKey: Keys(stringValue: "message"))
                try inner.encode(error.type, forKey: Keys(stringValue: "type"))
                // OpenAI sends these as null, never absent.
                if let param = error.param { try inner.encode(param, forKey: Keys(stringValue: "param")) } else { try inner.encodeNil(forKey: Keys(stringValue: "param")) }
                if let code = error.code { try inner.encode(code, forKey: Keys(stringValue: "code")) } else { try inner.encodeNil(forKey: Keys(stringValue: "code")) }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and nulls only: encoding cannot fail.
        return (try? encoder.encode(Payload(error: self))) ?? Data()
    }
}
