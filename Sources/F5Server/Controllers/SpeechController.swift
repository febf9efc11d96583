import F5Audio
import F5Text
import F5TTS
import Foundation
import Hummingbird
import NIOCore

/// `POST /v1/audio/speech`: OpenAI's speech API on the one synthesizer. Everything that can be refused
/// (body, fields, voices, text, the limits synthesis would hit, the queue) is checked before the response
/// starts; the audio then streams per text chunk in every format (`sse`: as `speech.audio.delta` events).
struct SpeechController {
    let synthesizer: Synthesizer
    let voices: VoiceStore
    let queue: SynthesisQueue
    /// Seconds a body may take to arrive and a write may stall.
    let timeout: Double
    /// Largest accepted body: a 4096-character input is far below it.
    static var maxBody: Int { 1 << 20 }
    /// OpenAI's 4096 characters, counted as Unicode scalars: a grapheme cluster can hold any number of
    /// combining marks, so counting clusters would not bound the work.
    static var maxInput: Int { 4096 }
    /// The longest audio one request may plan: ten minutes (4096 plain letters at speed 1 plan about 240 s).
    static var maxPlannedSeconds: Double { 600 }
    /// Frames one chunk may have: the model's text embedding has 8192 positions (F5Model's
    /// `TextEmbedding.maxPositions`), so a longer chunk fails inside synthesis.
    static var maxChunkFrames: Int { 8192 }

    var routes: [Route] {
        [Route(.post, "/v1/audio/speech") { try await speech($0, context: $1) }]
    }

    func speech(_ request: Request, context: ServerContext) async throws -> Response {
        let arrived = ContinuousClock.now
        guard await !queue.isClosed else { throw OpenAIError.shuttingDown }
        guard let type = request.headers[.contentType].flatMap(MediaType.init(from:)), type.isType(.applicationJson) else {
            throw OpenAIError(status: .unsupportedMediaType, message: "Send the request as JSON (Content-Type: application/json).")
        }
        let body = try await context.collect(request, upTo: Self.maxBody, within: timeout,
                                          tooLarge: OpenAIError(status: .contentTooLarge, message: "The request body is larger than \(Self.maxBody) bytes."))
        let speech = try Self.decode(body)
        let format = try Self.format(speech.responseFormat, sampleRate: synthesizer.sampleRate)
        let sse = try Self.isSSE(speech.streamFormat)
        let options = try options(speech)
        let ticket: SynthesisQueue.Ticket
        do { ticket = try await queue.admit(client: context.clientAddress) } catch {
            switch error {
            case .full:
                throw OpenAIError(status: .tooManyRequests, message: "The server is busy: \(queue.maxQueue) requests are already waiting.",
                                  type: "rate_limit_error", code: "queue_full", headers: [.retryAfter: "5"])
            case .clientLimit:
                throw OpenAIError(status: .tooManyRequests, message: "This client already has \(queue.maxPerClient) requests running or waiting.",
                                  type: "rate_limit_error", code: "client_limit", headers: [.retryAfter: "5"])
            case .closed: throw OpenAIError.shuttingDown
            }
        }
        // From here on the place in the queue is held: given back on any error, or when the body is done.
        let script: VoiceScript, voices: [String: Voice], plans: [SynthesisPlan], encoder: AudioStreamEncoder
        do {
            (script, voices) = try await self.script(speech)
            plans = try script.parts.map { part in
                let plan: SynthesisPlan
                do { plan = try synthesizer.plan(text: part.text, voice: voices[part.voice]!, options: options) } catch {
                    throw OpenAIError.badField("input", "\(error)")
                }
                if let chunk = plan.chunks.first(where: { $0.frames > Self.maxChunkFrames }) {
                    throw OpenAIError.badField(speech.refText != nil && plan.refFrames > Self.maxChunkFrames / 2 ? "ref_text" : "input",
                                               "A text chunk needs \(chunk.frames) frames, more than the model's \(Self.maxChunkFrames): "
                                               + "split the text with punctuation, or use a shorter ref_text.")
                }
                return plan
            }
            let planned = plans.reduce(0) { $0 + plannedSeconds($1, options) }
            guard planned <= Self.maxPlannedSeconds else {
                throw OpenAIError.badField("input", "The input plans \(Int(planned)) s of audio; at most \(Int(Self.maxPlannedSeconds)) s are made per request.")
            }
            encoder = try AudioStreamEncoder(format: sse && format.audio == .wav ? .raw : format.audio, sampleFormat: .pcm16,
                                             sampleRate: synthesizer.sampleRate)
        } catch {
            await queue.finish(ticket)
            throw error
        }
        var headers: HTTPFields = [.contentType: sse ? "text/event-stream" : format.contentType, .cacheControl: "no-cache"]
        headers[.init("X-F5-Seed")!] = "\(options.seed)"
        headers[.init("X-F5-Chunks")!] = "\(plans.reduce(0) { $0 + $1.chunks.count })"
        headers[.init("X-F5-Planned-Seconds")!] = String(format: "%.3f", plans.reduce(0) { $0 + plannedSeconds($1, options) })
        headers[.init("X-Accel-Buffering")!] = "no"
        let queue = self.queue
        let watch = StreamGuard(channel: context.channel, timeout: timeout)
        let logger = context.logger
        // Each piece is encoded and written as it comes. The request waits for its turn, then keeps it
        // until all its parts are spoken; a client that goes away or stops reading cancels the synthesis
        // (the stream stops within one step) and frees its place in the queue.
        return Response(status: .ok, headers: headers, body: .init { [self] writer in
            var firstAudio: Double?
            var audioSeconds = 0.0
            func send(_ bytes: Data) async throws {
                // An empty write would end a chunked body.
                guard !bytes.isEmpty else { return }
                try await watch.write(ByteBuffer(data: sse ? Self.delta(bytes) : bytes), to: &writer)
            }
            do {
                try await watch.run {
                    try await queue.start(ticket)
                    if !sse { try await send(encoder.header) }
                    var pending = sse ? encoder.header : Data()
                    for try await piece in synthesizer.stream(script: script, voices: voices, options: options) {
                        pending += try encoder.encode(piece.samples)
                        if piece.isLast { pending += try encoder.finish() }
                        if firstAudio == nil, !pending.isEmpty { firstAudio = (ContinuousClock.now - arrived).seconds }
                        audioSeconds += Double(piece.samples.count) / Double(piece.sampleRate)
                        try await send(pending)
                        pending = Data()
                    }
                    if sse { try await watch.write(ByteBuffer(string: Self.event(["type": "speech.audio.done"])), to: &writer) }
                }
                await queue.finish(ticket)
            } catch {
                await queue.finish(ticket)
                // The headers are gone: the client sees the body end early. Say why here and in the metrics.
                let reason = (error as? StreamGuard.End)?.reason ?? "synthesis_failed"
                if error is StreamGuard.End { logger.info("speech stream ended: \(error)") } else { logger.error("speech stream failed: \(error)") }
                ServerMetrics.streamFailed(reason: reason)
                throw error
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
        if let key = SpeechRequest.duplicateKey(in: Data(buffer: body)) {
            throw OpenAIError.badField(key, "'\(key)' is given more than once.")
        }
        do {
            let data = Data(buffer: body)
            var request = try JSONDecoder().decode(SpeechRequest.self, from: data)
            request.settings = try JSONDecoder().decode(SettingFields.self, from: data).values
            return request
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map(\.stringValue)
            throw OpenAIError.badField(path[0], "Missing required parameter: '\(path.joined(separator: "."))'.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                  let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // The field as the client named it (`voice` for `{"voice": {}}`), and what was wrong with it.
            let field = context.codingPath[0].stringValue
            throw OpenAIError.badField(field, "Invalid value for '\(field)': \(context.debugDescription)")
        } catch {
            if let field = misfitNumber(Data(buffer: body)) {
                throw OpenAIError.badField(field, "Invalid value for '\(field)': the number does not fit the field's type or range.")
            }
            throw OpenAIError(status: .badRequest, message: "The body is not valid JSON: \(error.localizedDescription)")
        }
    }

    /// The field holding a number that cannot be decoded (`seed: -1`, `nfe_step: 8.5`, `1e309`), which
    /// Foundation's decoder reports as invalid JSON with no field: the one whose removal lets decoding get
    /// past that error (short of missing that very field), or the key written before a number
    /// JSONSerialization cannot represent.
    static func misfitNumber(_ data: Data) -> String? {
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return object.keys.sorted().first { key in
                var rest = object
                rest[key] = nil
                guard let smaller = try? JSONSerialization.data(withJSONObject: rest) else { return false }
                do { _ = try JSONDecoder().decode(SpeechRequest.self, from: smaller); return true } catch DecodingError.dataCorrupted {
                    return false
                } catch let DecodingError.keyNotFound(missing, context) {
                    return (context.codingPath.first ?? missing).stringValue != key
                } catch { return true }
            }
        } catch {
            // "Number 1e309 is not representable in Swift."
            let said = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
            guard let number = said.split(separator: " ").dropFirst().first, said.hasPrefix("Number "),
                  let found = String(decoding: data, as: UTF8.self).range(of: #""([A-Za-z_]+)"\s*:\s*"# + NSRegularExpression.escapedPattern(for: String(number)),
                                                                          options: .regularExpression) else { return nil }
            return String(decoding: data, as: UTF8.self)[found].split(separator: "\"")[0].description
        }
    }

    /// `response_format` (OpenAI's default is mp3) with its content type.
    static func format(_ name: String?, sampleRate: Int) throws -> (audio: AudioFormat, contentType: String) {
        switch name ?? "mp3" {
        case "mp3": return (.mp3, "audio/mpeg")
        case "opus": return (.opus, "audio/ogg")
        case "flac": return (.flac, "audio/flac")
        case "wav": return (.wav, "audio/wav")
        case "pcm": return (.raw, "audio/pcm;rate=\(sampleRate)")
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
        guard r.input.unicodeScalars.count <= Self.maxInput else {
            throw OpenAIError.badField("input", "The input has \(r.input.unicodeScalars.count) characters (Unicode scalars); at most \(Self.maxInput) are accepted.")
        }
        if let refText = r.refText {
            do { try VoiceLibrary.checkTranscript(refText, name: "ref_text") } catch let error as F5TTSError { throw OpenAIError(error, param: "ref_text") }
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
