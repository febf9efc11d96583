import F5Audio
import F5Text
import F5TTS
import Foundation
import Hummingbird

/// `POST /v1/audio/speech`: OpenAI's speech API on the one synthesizer. Everything that can be refused
/// (body, fields, voices, text, queue) is checked before the response starts; the audio then streams
/// per text chunk in every format (`sse`: as `speech.audio.delta` events).
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
        let arrived = ContinuousClock.now
        guard !queue.isClosed else { throw OpenAIError.shuttingDown }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Self.maxBody) } catch {
            throw OpenAIError(status: .contentTooLarge, message: "The request body is larger than \(Self.maxBody) bytes.")
        }
        let speech = try Self.decode(body)
        let format = try Self.format(speech.responseFormat)
        let sse = try Self.isSSE(speech.streamFormat)
        let options = try options(speech)
        switch queue.admit() {
        case .admitted: break
        case .full:
            throw OpenAIError(status: .tooManyRequests, message: "The server is busy: \(queue.maxQueue) requests are already waiting.",
                              type: "rate_limit_error", code: "queue_full", headers: [.retryAfter: "5"])
        case .closed: throw OpenAIError.shuttingDown
        }
        // From here on the place in the queue is held: given back on any error, or when the body is done.
        let script: VoiceScript, voices: [String: Voice], plans: [SynthesisPlan], encoder: AudioStreamEncoder
        do {
            (script, voices) = try await self.script(speech)
            plans = try script.parts.map { part in
                do { return try synthesizer.plan(text: part.text, voice: voices[part.voice]!, options: options) } catch {
                    throw OpenAIError.badField("input", "\(error)")
                }
            }
            encoder = try AudioStreamEncoder(format: sse && format.audio == .wav ? .raw : format.audio, sampleFormat: .pcm16,
                                             sampleRate: synthesizer.sampleRate)
        } catch {
            queue.release()
            throw error
        }
        var headers: HTTPFields = [.contentType: sse ? "text/event-stream" : format.contentType, .cacheControl: "no-cache"]
        headers[.init("X-F5-Seed")!] = "\(options.seed)"
        headers[.init("X-F5-Chunks")!] = "\(plans.reduce(0) { $0 + $1.chunks.count })"
        headers[.init("X-F5-Planned-Seconds")!] = String(format: "%.3f", plans.reduce(0) { $0 + plannedSeconds($1, options) })
        headers[.init("X-Accel-Buffering")!] = "no"
        let pieces = synthesizer.stream(script: script, voices: voices, options: options)
        let queue = self.queue
        // Each piece is encoded and written as it comes; a client that goes away cancels the synthesis
        // (the stream stops within one step) and frees its place in the queue.
        return Response(status: .ok, headers: headers, body: .init { [request] writer in
            defer { queue.release() }
            var firstAudio: Double?
            var audioSeconds = 0.0
            func send(_ bytes: Data) async throws {
                // An empty write would end a chunked body.
                guard !bytes.isEmpty else { return }
                try await writer.write(ByteBuffer(data: sse ? Self.delta(bytes) : bytes))
            }
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                if !sse { try await send(encoder.header) }
                var pending = sse ? encoder.header : Data()
                for try await piece in pieces {
                    pending += try encoder.encode(piece.samples)
                    if piece.isLast { pending += try encoder.finish() }
                    if firstAudio == nil, !pending.isEmpty { firstAudio = (ContinuousClock.now - arrived).seconds }
                    audioSeconds += Double(piece.samples.count) / Double(piece.sampleRate)
                    try await send(pending)
                    pending = Data()
                }
                if sse { try await writer.write(ByteBuffer(string: Self.event(["type": "speech.audio.done"]))) }
            }
            ServerMetrics.record(seconds: (ContinuousClock.now - arrived).seconds, audioSeconds: audioSeconds, firstAudio: firstAudio)
            try await writer.finish(nil)
        })
    }

    /// Seconds of audio the plan makes (the chunks' generated frames less the cross-fades' overlaps).
    func plannedSeconds(_ plan: SynthesisPlan, _ options: SynthesisOptions) -> Double {
        let frames = plan.chunks.reduce(0) { $0 + max(0, $1.frames - plan.refFrames) }
        let overlaps = Double(max(0, plan.chunks.count - 1)) * options.crossFadeDuration
        return max(0, Double(frames * synthesizer.hopLength) / Double(synthesizer.sampleRate) - overlaps)
    }

    /// The input as a script with its voices: all in `voice` (with `ref_text` replacing its transcript), or
    /// with `multi_voice` split at the `[name]` tags that name stored voices (`[main]`: `voice`); other
    /// bracketed words are text.
    func script(_ speech: SpeechRequest) async throws -> (VoiceScript, [String: Voice]) {
        guard let main = try await voices.voice(speech.voice.id, transcript: speech.refText) else { throw OpenAIError.voiceNotFound(speech.voice.id) }
        var found = [VoiceScript.mainVoice: main]
        guard speech.multiVoice == true else { return (VoiceScript(text: speech.input), found) }
        for name in VoiceScript.candidateTags(in: speech.input) where name != VoiceScript.mainVoice {
            if let voice = try await voices.voice(name) { found[name] = voice }
        }
        do {
            return (try VoiceScript(text: speech.input, voices: Set(found.keys)), found)
        } catch {
            throw OpenAIError.badField("input", "The input has no words outside its voice tags.")
        }
    }

    static func delta(_ audio: Data) -> Data {
        Data(event(["type": "speech.audio.delta", "audio": audio.base64EncodedString()]).utf8)
    }

    static func event(_ fields: [String: String]) -> String {
        let json = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return "data: \(String(decoding: json, as: UTF8.self))\n\n"
    }

    /// The body as a `SpeechRequest`, with a 400 naming the field that is missing or of the wrong type.
    static func decode(_ body: ByteBuffer) throws -> SpeechRequest {
        do {
            let data = Data(buffer: body)
            var request = try JSONDecoder().decode(SpeechRequest.self, from: data)
            request.settings = try JSONDecoder().decode(SettingFields.self, from: data).values
            return request
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

    /// The synthesis options of a request: the bundle's recommendation, then the request's settings.
    func options(_ r: SpeechRequest) throws -> SynthesisOptions {
        guard !r.input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw OpenAIError.badField("input", "The input is empty.") }
        guard r.input.count <= Self.maxInput else {
            throw OpenAIError.badField("input", "The input has \(r.input.count) characters; at most \(Self.maxInput) are accepted.")
        }
        var o = SynthesisOptions(recommended: synthesizer.files.f5.manifest.inference)
        o.seed = SynthesisOptions.randomSeed()
        do { try o.apply(r.settings) } catch let F5TTSError.invalidArgument(name, expected, found) {
            throw OpenAIError.badField(name, "\(name): expected \(expected), found \(found).")
        }
        o.shortFirstChunk = r.shortFirstChunk ?? true
        return o
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
