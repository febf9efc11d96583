import F5Audio
import F5Bundle
import F5Compute
import F5Model
import F5Text
import Foundation
import Synchronization

/// Text to speech with the reference pipeline's steps: a voice prepared from a reference clip, the text
/// normalised, tokenized and chunked, each chunk sampled by the flow-matching DiT and vocoded, the chunks
/// cross-faded.
///
/// ```swift
/// let synthesizer = try Synthesizer(model: "f5tts-4bit-distill/peyton_voice_q4.tar")
/// let voice = try synthesizer.prepareVoice(path: "me.wav", transcript: "What I say in the clip.")
/// let result = try synthesizer.generate(text: "Hello there.", voice: voice)
/// try AudioWriter.write(samples: result.audio, sampleRate: result.sampleRate, to: "hello.wav")
/// ```
///
/// At most `workers` syntheses run at a time (one by default); calls past that wait for a lane. Those that
/// run side by side split the cores between them (`CoreSharing`): the weights are shared, and each keeps
/// its own workspace, so every result is the one it would be alone.
public final class Synthesizer: Sendable {
    /// The bundles the model was built from.
    public let files: ModelFiles
    /// The token table text is mapped through.
    public let vocabulary: Vocabulary
    /// The flow-matching DiT.
    public let model: DiT
    /// The Vocos vocoder that turns mels into audio.
    public let vocoder: Vocoder
    /// The Q4 execution path of every linear layer (dequant or direct).
    public let backend: any LinearBackend
    /// Turns text into tokens.
    public let frontEnd: any TextFrontEnd
    /// Seconds it took to load the model (`SynthesisTimings.load` of every result).
    public let loadSeconds: Double
    /// Syntheses that may run side by side.
    public let workers: Int
    private let melSpec: MelSpec
    /// One permit per worker.
    private let lanes: DispatchSemaphore
    /// The cores, split between the syntheses running.
    private let sharing = CoreSharing()

    /// Progress of a running synthesis: chunk (0-based) of chunks, step (1-based) of steps.
    public struct Progress: Sendable {
        public var chunk: Int, chunks: Int, step: Int, steps: Int
    }

    /// Finds, loads and checks the model at `model` (a bundle folder, a folder of bundles or the app
    /// archive), with the vocoder and vocabulary found beside it unless given.
    /// - Parameters:
    ///   - backend: the Q4 execution path; the faster one on this CPU by default.
    ///   - cacheBudgetBytes: memory for the dequant path's fp32 tiles (default: 256 MiB).
    ///   - attention: the attention arithmetic (default: the path's own, `AttentionKind.standard(for:)`).
    ///   - activations: how the direct path quantizes its linear layers' inputs (default: int16).
    ///   - convention: replaces the manifest's RoPE / text-mask convention.
    ///   - workers: syntheses that may run side by side (`SynthesisWorkers.standard` suits a busy server).
    public convenience init(model: String, vocoder: String? = nil, vocabulary: String? = nil, backend: BackendKind = .fastest,
                            cacheBudgetBytes: Int? = nil, attention: AttentionKind? = nil, activations: ActivationPrecision? = nil,
                            convention: F5Convention? = nil, workers: Int = 1) throws {
        let clock = Stopwatch()
        let files = try ModelFiles.locate(model: model, vocoder: vocoder, vocabulary: vocabulary, convention: convention)
        try self.init(files: files, backend: makeLinearBackend(backend, cacheBudgetBytes: cacheBudgetBytes, attention: attention,
                                                               activations: activations),
                      workers: workers, started: clock)
    }

    /// Builds the model from bundles already loaded; `workers` as above.
    public convenience init(files: ModelFiles, backend: any LinearBackend, workers: Int = 1) throws {
        try self.init(files: files, backend: backend, workers: workers, started: Stopwatch())
    }

    private init(files: ModelFiles, backend: any LinearBackend, workers: Int, started clock: Stopwatch) throws {
        guard workers >= 1 else { throw F5TTSError.invalidArgument(name: "workers", expected: "at least 1", found: "\(workers)") }
        self.files = files
        self.backend = backend
        self.workers = workers
        lanes = DispatchSemaphore(value: workers)
        frontEnd = ReferenceFrontEnd()
        (vocabulary, model, vocoder) = try F5TTSError.wrapping {
            (try Vocabulary(data: Data(files.vocabularyText.utf8), source: files.vocabularySource),
             try DiT(bundle: files.f5, backend: backend), try Vocoder(bundle: files.vocoder, backend: backend))
        }
        let a = model.architecture
        melSpec = MelSpec(sampleRate: a.sampleRate, nFFT: vocoder.architecture.nFFT, hopLength: vocoder.architecture.hopLength, nMels: a.melDim)
        loadSeconds = clock.elapsed
    }

    /// Samples per second of every result (24000 for F5-TTS).
    public var sampleRate: Int { vocoder.architecture.sampleRate }
    /// Samples per mel frame.
    public var hopLength: Int { vocoder.architecture.hopLength }

    // MARK: - Voices

    /// Prepares the clip at `path` as F5-TTS's `preprocess_ref_audio_text` and `infer_batch_process` do.
    public func prepareVoice(path: String, transcript: String, targetRMS: Double = 0.1) throws -> Voice {
        try prepareVoice(name: path, transcript: transcript) { try ReferenceAudio.prepare(path: path, targetRMS: Float(targetRMS)) }
    }

    /// Prepares decoded audio; `name` is only used in error messages.
    public func prepareVoice(audio: DecodedAudio, name: String, transcript: String,
                             targetRMS: Double = 0.1) throws -> Voice {
        try prepareVoice(name: name, transcript: transcript) { try ReferenceAudio.prepare(audio, name: name, targetRMS: Float(targetRMS)) }
    }

    /// A voice from a clip prepared some other way (speech editing keeps the whole clip).
    func prepareVoice(name: String, transcript: String, _ prepare: () throws -> PreparedReference) throws -> Voice {
        let clock = Stopwatch()
        return try F5TTSError.wrapping {
            let reference = try prepare()
            let (mel, frames) = try melSpec(reference.samples)
            return Voice(reference: reference, transcript: transcript, mel: mel, melFrames: frames, preparationSeconds: clock.elapsed)
        }
    }

    // MARK: - Synthesis

    /// The chunks, their token ids and frame counts, exactly as the reference plans them.
    public func plan(text: String, voice: Voice, options: SynthesisOptions = SynthesisOptions()) throws -> SynthesisPlan {
        try F5TTSError.wrapping {
            let reference = voice.reference
            var plan = try SynthesisPlan(
                refText: voice.transcript, genText: text,
                reference: ReferenceLength(samples: reference.samples.count, sourceSamples: reference.sourceFrames,
                                           sourceSampleRate: reference.sourceSampleRate),
                vocabulary: vocabulary, speed: options.speed, fixDuration: options.fixedDuration,
                crossFadeDuration: options.crossFadeDuration, shortFirstChunk: options.shortFirstChunk, frontEnd: frontEnd)
            if let frames = options.fixedFrames {
                guard plan.chunks.count == 1 else {
                    throw F5TTSError.invalidArgument(name: "fixedFrames", expected: "a single-chunk text", found: "\(plan.chunks.count) chunks")
                }
                plan.chunks[0].frames = frames
            }
            return plan
        }
    }

    /// Speaks `text` in `voice`: the whole audio, its mel, the plan and every timing.
    /// `noise` ([frames, melDim]) replaces the generated noise of a single-chunk text. `onAudio`, when
    /// given, gets the audio piece by piece as each text chunk is sampled and vocoded (all but the part the
    /// next chunk's cross-fade overlaps; the pieces concatenate to `audio`); with `removeSilence` it gets one
    /// piece at the end, since silence removal needs the whole.
    public func generate(text: String, voice: Voice, options: SynthesisOptions = SynthesisOptions(), noise: [Float]? = nil,
                         progress: ((Progress) -> Void)? = nil, onAudio: ((AudioChunk) -> Void)? = nil) throws -> SynthesisResult {
        try inLane {
            try generate(text: text, voice: voice, options: options, noise: noise, progress: progress, shouldStop: nil, onAudio: onAudio)
        }
    }

    /// `generate` as a stream of its pieces: `stream(script:)` for a text in one voice.
    public func stream(text: String, voice: Voice, options: SynthesisOptions = SynthesisOptions(),
                       noise: [Float]? = nil) -> AsyncThrowingStream<AudioChunk, Error> {
        stream(script: VoiceScript(text: text), voices: [VoiceScript.mainVoice: voice], options: options, noise: noise)
    }

    /// Speaks every part of `script` in its voice (`voices` holds one for each name the parts use), one
    /// part after another: the whole script as one result per part, and the audio of all of them joined.
    /// A voice's entry in `voiceSpeeds` replaces `options.speed` for its parts (F5-TTS's `[voices.NAME]
    /// speed`). With `removeSilence` and several parts, silence is removed once from the whole, as
    /// `infer_cli` does, and `onAudio` gets that in one piece at the end; otherwise it gets each part's
    /// pieces as they are made, `isLast` on the script's last.
    public func generate(script: VoiceScript, voices: [String: Voice], options: SynthesisOptions = SynthesisOptions(),
                         voiceSpeeds: [String: Double] = [:], noise: [Float]? = nil, progress: ((Progress) -> Void)? = nil,
                         onAudio: ((AudioChunk) -> Void)? = nil) throws -> ScriptResult {
        try generate(script: script, voices: voices, options: options, voiceSpeeds: voiceSpeeds, noise: noise, progress: progress,
                     shouldStop: nil, onAudio: onAudio)
    }

    /// `generate(script:)` as a stream of its pieces. The script holds its place: its parts run one after
    /// another with nothing in between. Cancelling the consuming task, or dropping the stream, stops the
    /// synthesis within one sampling step (the stream then ends with `CancellationError`). Each stream runs on
    /// a thread of its own, as soon as a lane is free: the synthesis keeps its cores busy and must not hold
    /// Swift concurrency's few threads.
    public func stream(script: VoiceScript, voices: [String: Voice], options: SynthesisOptions = SynthesisOptions(),
                       voiceSpeeds: [String: Double] = [:], noise: [Float]? = nil) -> AsyncThrowingStream<AudioChunk, Error> {
        AsyncThrowingStream { continuation in
            let stop = StopFlag()
            continuation.onTermination = { _ in stop.raise() }
            // A thread of its own, not one of Dispatch's (see `SynthesisWorkers.sideBySide`).
            Thread { [self] in
                do {
                    _ = try generate(script: script, voices: voices, options: options, voiceSpeeds: voiceSpeeds, noise: noise,
                                     progress: nil, shouldStop: { stop.isRaised }) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }.start()
        }
    }

    private func generate(script: VoiceScript, voices: [String: Voice], options: SynthesisOptions, voiceSpeeds: [String: Double],
                          noise: [Float]?, progress: ((Progress) -> Void)?, shouldStop: (() -> Bool)?,
                          onAudio: ((AudioChunk) -> Void)?) throws -> ScriptResult {
        if noise != nil && script.parts.count > 1 {
            throw F5TTSError.invalidArgument(name: "noise", expected: "a single voice part", found: "\(script.parts.count) parts")
        }
        let wholeSilence = options.removeSilence && script.parts.count > 1
        // One lane for the whole script: its parts run one after another with nothing in between.
        let results = try inLane {
            try script.parts.enumerated().map { index, part in
                guard let voice = voices[part.voice] else {
                    throw F5TTSError.invalidArgument(name: "voices", expected: "a voice for every part", found: "none for '\(part.voice)'")
                }
                var partOptions = options
                partOptions.speed = voiceSpeeds[part.voice] ?? options.speed
                if wholeSilence { partOptions.removeSilence = false }
                let last = index == script.parts.count - 1
                return try generate(text: part.text, voice: voice, options: partOptions, noise: noise, progress: progress,
                                    shouldStop: shouldStop) { piece in
                    guard !wholeSilence else { return }
                    var piece = piece
                    piece.isLast = piece.isLast && last
                    onAudio?(piece)
                }
            }
        }
        var audio = results.flatMap(\.audio)
        if wholeSilence {
            audio = GeneratedAudio.removingSilence(audio, sampleRate: sampleRate).samples
            onAudio?(AudioChunk(samples: audio, sampleRate: sampleRate, textChunk: results.last!.plan.chunks.count - 1, isLast: true))
        }
        return ScriptResult(parts: results, audio: audio, sampleRate: sampleRate)
    }

    private func generate(text: String, voice: Voice, options: SynthesisOptions, noise: [Float]?, progress: ((Progress) -> Void)?,
                          shouldStop: (() -> Bool)?, onAudio: ((AudioChunk) -> Void)?) throws -> SynthesisResult {
        var clock = Stopwatch()
        let plan = try self.plan(text: text, voice: voice, options: options)
        let planSeconds = clock.lap()
        let last = plan.chunks.count - 1
        var audio: [Float] = []
        let output = try run(plan: plan, voice: voice, options: options, noise: noise, progress: progress, shouldStop: shouldStop) { piece, chunk in
            audio += piece
            if !options.removeSilence {
                onAudio?(AudioChunk(samples: piece, sampleRate: sampleRate, textChunk: chunk, isLast: chunk == last))
            }
        }
        if options.removeSilence {
            audio = GeneratedAudio.removingSilence(audio, sampleRate: sampleRate).samples
            onAudio?(AudioChunk(samples: audio, sampleRate: sampleRate, textChunk: last, isLast: true))
        }
        return output.result(audio: audio, sampleRate: sampleRate, plan: plan, textSeconds: planSeconds, elapsed: clock.elapsed)
    }

    /// Samples and vocodes every chunk of `plan` in order, handing each chunk's final samples to `emit`
    /// (the last call carries the cross-fade's held tail too). Returns the timings and the combined mel.
    /// With an `editMask` (speech editing) the voice's whole mel is regenerated where the mask is false,
    /// and every frame is vocoded. Callers hold a lane (`inLane`).
    func run(plan: SynthesisPlan, voice: Voice, options: SynthesisOptions, noise: [Float]?,
             progress: ((Progress) -> Void)?, shouldStop: (() -> Bool)? = nil, editMask: [Bool]? = nil,
             emit: ([Float], Int) -> Void) throws -> RunOutput {
        try F5TTSError.wrapping {
            let melDim = model.architecture.melDim
            if let noise {
                guard plan.chunks.count == 1 else {
                    throw F5TTSError.invalidArgument(name: "noise", expected: "a single-chunk text", found: "\(plan.chunks.count) chunks")
                }
                guard noise.count == plan.chunks[0].frames * melDim else {
                    throw F5TTSError.invalidArgument(name: "noise", expected: "[\(plan.chunks[0].frames), \(melDim)] (the planned frames)",
                                                     found: "\(noise.count / melDim) frames")
                }
            }
            var timings = SynthesisTimings()
            timings.load = loadSeconds
            timings.reference = voice.preparationSeconds
            // The reference keeps generated frames from samples // hop on: one frame of the reference mel stays.
            let keepFrom = editMask == nil ? voice.reference.samples.count / melSpec.hopLength : 0
            var fader = CrossFader(sampleRate: sampleRate, duration: options.crossFadeDuration)
            var melParts: [(values: ArraySlice<Float>, frames: Int)] = []
            for (index, chunk) in plan.chunks.enumerated() {
                let (wave, mel) = try synthesizeChunk(
                    voice: voice, textIDs: chunk.tokenIDs, frames: chunk.frames, keepFrom: keepFrom,
                    noise: noise.map { .values($0) } ?? .generator(options.noise(chunk: index)), editMask: editMask, options: options,
                    shouldStop: shouldStop, timings: &timings) { step, steps in
                    progress?(Progress(chunk: index, chunks: plan.chunks.count, step: step, steps: steps))
                }
                melParts.append(mel)
                var piece = fader.append(wave)
                if index == plan.chunks.count - 1 { piece += fader.finish() }
                emit(piece, index)
            }
            let (mel, melFrames) = Self.channelMajor(melParts, melDim: melDim)
            return RunOutput(timings: timings, mel: mel, melFrames: melFrames)
        }
    }

    /// Runs `body` in a lane: waits for one of the `workers` permits, then shares the cores with the syntheses
    /// running beside it.
    func inLane<T>(_ body: () throws -> T) throws -> T {
        lanes.wait()
        defer { lanes.signal() }
        return try sharing.run(body)
    }

    /// One chunk sampled, its frames from `keepFrom` on vocoded, the loudness restored.
    private func synthesizeChunk(voice: Voice, textIDs: [Int32], frames: Int, keepFrom: Int, noise: Noise, editMask: [Bool]?,
                                 options: SynthesisOptions, shouldStop: (() -> Bool)?, timings: inout SynthesisTimings,
                                 progress: @escaping (Int, Int) -> Void) throws -> ([Float], (values: ArraySlice<Float>, frames: Int)) {
        let melDim = model.architecture.melDim
        let result = try FlowSampler(model: model).sample(
            cond: voice.mel, condFrames: voice.melFrames, textIDs: textIDs, totalFrames: frames, options: options.samplerOptions,
            noise: noise, editMask: editMask, shouldStop: shouldStop, progress: progress)
        timings.add(result.timings)
        let generated = result.mel[(keepFrom * melDim)...]
        let kept = result.frames - keepFrom
        let vocoderClock = Stopwatch()
        var wave = try vocoder.decode(mel: Array(generated), frames: kept)
        timings.vocoder += vocoderClock.elapsed
        voice.reference.restoreLoudness(&wave)
        return (wave, (generated, kept))
    }

    /// The stage timings of one run (totals not yet known) and its combined mel.
    struct RunOutput {
        var timings: SynthesisTimings
        var mel: [Float]
        var melFrames: Int

        /// The result, with the text time before the run and the totals: load and voice preparation
        /// plus the call's own wall time (`elapsed` after `textSeconds`).
        func result(audio: [Float], sampleRate: Int, plan: SynthesisPlan, textSeconds: Double, elapsed: Double) -> SynthesisResult {
            var t = timings
            t.text += textSeconds
            t.total = t.load + t.reference + textSeconds + elapsed
            t.audioSeconds = Double(audio.count) / Double(sampleRate)
            return SynthesisResult(audio: audio, sampleRate: sampleRate, mel: mel, melFrames: melFrames, plan: plan, timings: t)
        }
    }

    /// Frame-major chunks concatenated along time into one [melDim, frames] array.
    static func channelMajor(_ parts: [(values: ArraySlice<Float>, frames: Int)], melDim: Int) -> ([Float], Int) {
        let total = parts.reduce(0) { $0 + $1.frames }
        var out = [Float](repeating: 0, count: melDim * total)
        var offset = 0
        for part in parts {
            let base = part.values.startIndex
            for t in 0..<part.frames {
                for c in 0..<melDim { out[c * total + offset + t] = part.values[base + t * melDim + c] }
            }
            offset += part.frames
        }
        return (out, total)
    }
}

extension SynthesisTimings {
    /// Adds one chunk's sampler timings; the text embeddings count as text, the rest as sampling.
    mutating func add(_ sampler: SamplerTimings) {
        text += sampler.textEmbedding
        preparation += sampler.inputConditioning + sampler.timeModulation
        stepSeconds += sampler.stepSeconds
        sampling += sampler.total - sampler.textEmbedding
    }
}

/// What `generate(script:)` made: each part's result (its plan, mel and timings) and the joined audio.
public struct ScriptResult: Sendable {
    public var parts: [SynthesisResult]
    /// The parts' audio joined (with silence removed once from the whole when asked).
    public var audio: [Float]
    public var sampleRate: Int
}

extension ScriptResult {
    /// The joined audio as the complete contents of a file of `format`.
    public func encoded(as format: AudioFormat, sampleFormat: SampleFormat = .pcm16, name: String = "output") throws -> Data {
        try F5TTSError.wrapping { try AudioWriter.encode(samples: audio, sampleRate: sampleRate, format: format, sampleFormat: sampleFormat, name: name) }
    }
}

/// A flag one thread raises and another polls (a stream's consumer going away).
private final class StopFlag: Sendable {
    private let raised = Mutex(false)
    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}
