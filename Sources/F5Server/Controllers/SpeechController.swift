import F5TTS
import Foundation
import Hummingbird

/// `POST /v1/audio/speech`: OpenAI's speech API on the one synthesizer. Everything that can be refused
/// (body, fields, voice, text, queue) is checked before the response starts; `wav` and `pcm` then stream
/// per text chunk, `sse` as `speech.audio.delta` events, the other formats once encoded.
struct SpeechController<Context: RequestContext> {
    let synthesizer: Synthesizer
    let voices: VoiceStore
    let queue: SynthesisQueue
    /// Largest accepted body: a 4096-character input is far below it.
    static var maxBody: Int { 1 << 20 }
    static var maxInput: Int { 4096 }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("audio/speech", use: speech)
    }

    @Sendable func speech(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Self.maxBody) } catch {
            throw OpenAIError(status: .contentTooLarge, message: "The request body is larger than \(Self.maxBody) bytes.")
        }
        let speech = try Self.decode(body)
        let format = try Self.format(speech.responseFormat)
        let sse = try Self.isSSE(speech.streamFormat)
        let options = try options(speech)
        guard let voice = try voices.voice(speech.voice.id, transcript: speech.refText) else {
            throw OpenAIError(status: .notFound, message: "The voice '\(speech.voice.id)' does not exist: see GET /v1/audio/voices.",
                              param: "voice", code: "voice_not_found")
        }
        do { _ = try synthesizer.plan(text: speech.input, voice: voice, options: options) } catch {
            throw OpenAIError.badField("input", "\(error)")
        }
        guard queue.admit() else {
            throw OpenAIError(status: .tooManyRequests, message: "The server is busy: \(queue.maxQueue) requests are already waiting.",
                              type: "rate_limit_error", code: "queue_full", headers: [.retryAfter: "5"])
        }
        let pieces = synthesizer.stream(text: speech.input, voice: voice, options: options)
        let queue = self.queue, sampleRate = synthesizer.sampleRate
        /// A body written piece by piece; a client that goes away cancels the synthesis (the stream stops
        /// within one step) and frees its place in the queue.
        func streamed(_ headers: HTTPFields, first: Data, _ encode: @escaping @Sendable (AudioChunk) throws -> Data,
                      last: Data) -> Response {
            Response(status: .ok, headers: headers, body: .init { [request] writer in
                defer { queue.release() }
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    // Empty writes are skipped: an empty chunk ends a chunked body.
                    if !first.isEmpty { try await writer.write(ByteBuffer(data: first)) }
                    for try await piece in pieces { try await writer.write(ByteBuffer(data: try encode(piece))) }
                    if !last.isEmpty { try await writer.write(ByteBuffer(data: last)) }
                }
                try await writer.finish(nil)
            })
        }
        if sse {
            let delta = format.audio == .wav ? .raw : format.audio
            return streamed([.contentType: "text/event-stream", .cacheControl: "no-cache"], first: Data(), { piece in
                let audio = try AudioWriter.encode(samples: piece.samples, sampleRate: sampleRate, format: delta, sampleFormat: .pcm16)
                return Data(Self.event(["type": "speech.audio.delta", "audio": audio.base64EncodedString()]).utf8)
            }, last: Data(Self.event(["type": "speech.audio.done"]).utf8))
        }
        if let encoder = try? AudioStreamEncoder(format: format.audio, sampleFormat: .pcm16, sampleRate: sampleRate) {
            return streamed([.contentType: format.contentType], first: encoder.header, { encoder.encode($0.samples) }, last: Data())
        }
        // Encoded formats need the whole audio (libsndfile patches their headers when it closes).
        defer { queue.release() }
        var samples: [Float] = []
        for try await piece in pieces { samples += piece.samples }
        let data = try AudioWriter.encode(samples: samples, sampleRate: sampleRate, format: format.audio, sampleFormat: .pcm16)
        return Response(status: .ok, headers: [.contentType: format.contentType], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func event(_ fields: [String: String]) -> String {
        let json = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return "data: \(String(decoding: json, as: UTF8.self))\n\n"
    }

    /// The body as a `SpeechRequest`, with a 400 naming the field that is missing or of the wrong type.
    static func decode(_ body: ByteBuffer) throws -> SpeechRequest {
        do {
            return try JSONDecoder().decode(SpeechRequest.self, from: Data(buffer: body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw OpenAIError.badField(key.stringValue, "Missing required parameter: '\(key.stringValue)'.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw OpenAIError.badField(field, "Invalid type for '\(field)': \(context.debugDescription)")
        } catch {
            throw OpenAIError(status: .badRequest, message: "The body is not valid JSON: \(error.localizedDescription)")
        }
    }

    /// `response_format` (OpenAI's default is mp3) with its content type.
    static func format(_ name: String?) throws -> (audio: AudioFormat, contentType: String) {
        switch name ?? "mp3" {
        case "mp3": return (.mp3, "audio/mpeg")
        case "opus": return (.opus, "audio/ogg")
        case "flac": return (.flac, "audio/flac")
        case "wav": return (.wav, "audio/wav")
        case "pcm": return (.raw, "audio/pcm;rate=24000")
        case "aac": throw OpenAIError.badField("response_format", "response_format 'aac' is not supported here (no AAC encoder); use mp3, opus, flac, wav or pcm.")
        case let other: throw OpenAIError.badField("response_format", "Invalid response_format '\(other)': expected mp3, opus, flac, wav or pcm.")
        }
    }

    static func isSSE(_ name: String?) throws -> Bool {
        switch name ?? "audio" {
        case "audio": return false
        case "sse": return true
        case let other: throw OpenAIError.badField("stream_format", "Invalid stream_format '\(other)': expected audio or sse.")
        }
    }

    /// The synthesis options of a request: OpenAI's ranges, then the F5 extras.
    func options(_ r: SpeechRequest) throws -> SynthesisOptions {
        guard !r.input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw OpenAIError.badField("input", "The input is empty.") }
        guard r.input.count <= Self.maxInput else {
            throw OpenAIError.badField("input", "The input has \(r.input.count) characters; at most \(Self.maxInput) are accepted.")
        }
        var o = SynthesisOptions(recommended: synthesizer.files.f5.manifest.inference)
        if let speed = r.speed {
            guard (0.25...4).contains(speed) else { throw OpenAIError.badField("speed", "speed must be between 0.25 and 4, got \(speed).") }
            o.speed = speed
        }
        if let steps = r.nfeStep {
            guard (1...64).contains(steps) else { throw OpenAIError.badField("nfe_step", "nfe_step must be between 1 and 64, got \(steps).") }
            o.steps = steps
        }
        for (name, value) in [("cfg_strength", r.cfgStrength), ("sway_sampling_coef", r.swaySamplingCoef)] {
            if let value, !value.isFinite { throw OpenAIError.badField(name, "\(name) must be a finite number.") }
        }
        o.cfgStrength = r.cfgStrength ?? o.cfgStrength
        o.swaySamplingCoef = r.swaySamplingCoef ?? o.swaySamplingCoef
        if let fade = r.crossFadeDuration {
            guard fade.isFinite, fade >= 0, fade <= 5 else { throw OpenAIError.badField("cross_fade_duration", "cross_fade_duration must be 0 to 5 seconds.") }
            o.crossFadeDuration = fade
        }
        o.seed = r.seed ?? UInt64.random(in: 0..<(1 << 32))
        o.removeSilence = r.removeSilence ?? false
        return o
    }
}
