/// The length of the prepared reference clip: the 24 kHz samples the model is conditioned on, and the clip
/// as the reference's `infer_process` loads it (before resampling), which is what `max_chars` is computed from.
public struct ReferenceLength: Sendable, Equatable {
    public var samples: Int
    public var sourceSamples: Int
    public var sourceSampleRate: Int

    /// A clip prepared at 24 kHz (no resampling).
    public init(samples: Int) {
        self.init(samples: samples, sourceSamples: samples, sourceSampleRate: DurationRule.sampleRate)
    }

    public init(samples: Int, sourceSamples: Int, sourceSampleRate: Int) {
        self.samples = samples
        self.sourceSamples = sourceSamples
        self.sourceSampleRate = sourceSampleRate
    }
}

/// One chunk to synthesise: its text, the token ids of normalised reference text + chunk (vocabulary ids,
/// before the model's +1 filler shift) and the total mel frames (reference included) the sampler generates.
public struct ChunkPlan: Codable, Equatable, Sendable {
    public var text: String
    public var tokenIDs: [Int32]
    public var frames: Int

    public init(text: String, tokenIDs: [Int32], frames: Int) {
        self.text = text
        self.tokenIDs = tokenIDs
        self.frames = frames
    }

    enum CodingKeys: String, CodingKey {
        case text
        case tokenIDs = "token_ids"
        case frames
    }
}

/// Everything the text side decides for one synthesis, as the reference's `infer_process` decides it.
/// `refFrames` is the reference mel length (1 + samples / 256); the reference keeps the generated mel from
/// frame `refFrames - 1` on (`ref_audio_len`), so each chunk yields `frames - refFrames + 1` vocoder frames.
public struct SynthesisPlan: Codable, Equatable, Sendable {
    public var refFrames: Int
    public var chunks: [ChunkPlan]

    enum CodingKeys: String, CodingKey {
        case refFrames = "ref_frames"
        case chunks
    }

    public init(refFrames: Int, chunks: [ChunkPlan]) {
        self.refFrames = refFrames
        self.chunks = chunks
    }

    /// Plans `genText` spoken in the voice of a reference clip of `reference` length whose transcript is
    /// `refText`. `fixDuration` (seconds, reference included) overrides the speed-based duration, and is
    /// shared across chunks as the reference does; `crossFadeDuration` only matters for that sharing.
    /// `frontEnd` turns text into tokens (the reference's own, `ReferenceFrontEnd`, unless another is given).
    /// `shortFirstChunk` splits the first chunk again at a quarter of the size (F5-TTS's socket server
    /// does so to send its first audio sooner).
    public init(refText: String, genText: String, reference: ReferenceLength, vocabulary: Vocabulary,
                speed: Double = 1, fixDuration: Double? = nil, crossFadeDuration: Double = 0.15, shortFirstChunk: Bool = false,
                frontEnd: any TextFrontEnd = ReferenceFrontEnd()) throws {
        try Self.validate(reference: reference, speed: speed, fixDuration: fixDuration,
                          crossFadeDuration: crossFadeDuration)
        let normalisedRef = try ReferenceText.normalised(refText)
        try Self.requireKnownCharacters(refText, argument: "ref-text", vocabulary: vocabulary, frontEnd: frontEnd)
        try Self.requireKnownCharacters(genText, argument: "text", vocabulary: vocabulary, frontEnd: frontEnd)

        let maxChars = Chunker.maxChars(
            refTextBytes: normalisedRef.utf8.count, samples: reference.sourceSamples,
            sampleRate: reference.sourceSampleRate, speed: speed)
        var texts = Chunker.chunks(genText, maxChars: maxChars)
        if shortFirstChunk, let first = texts.first {
            texts = Chunker.chunks(first, maxChars: max(1, maxChars / 4)) + texts.dropFirst()
        }
        guard !texts.isEmpty else { throw TextError.emptyText(argument: "text") }

        let fullRef = ReferenceText.withTrailingSpace(normalisedRef)
        let refAudioLength = DurationRule.refAudioLength(samples: reference.samples)
        let refMelFrames = DurationRule.refMelFrames(samples: reference.samples)
        let chunkBytes = texts.map { $0.utf8.count }
        let durations: [Int]
        if let fixDuration {
            durations = DurationRule.fixedSeconds(
                total: fixDuration, chunkBytes: chunkBytes, refAudioLength: refAudioLength,
                crossFadeDuration: crossFadeDuration
            ).map(DurationRule.duration(fixedSeconds:))
        } else {
            durations = chunkBytes.map {
                DurationRule.duration(refAudioLength: refAudioLength, refTextBytes: fullRef.utf8.count,
                                      chunkBytes: $0, speed: speed)
            }
        }

        var chunks: [ChunkPlan] = []
        for (index, (text, duration)) in zip(texts, durations).enumerated() {
            let ids = vocabulary.ids(of: try frontEnd.tokens(for: fullRef + text))
            let frames = DurationRule.totalFrames(tokenCount: ids.count, refMelFrames: refMelFrames, duration: duration)
            guard frames <= DurationRule.maxFrames else {
                throw TextError.tooManyFrames(chunk: index, frames: frames, limit: DurationRule.maxFrames)
            }
            chunks.append(ChunkPlan(text: text, tokenIDs: ids, frames: frames))
        }
        self.init(refFrames: refMelFrames, chunks: chunks)
    }

    private static func validate(reference: ReferenceLength, speed: Double, fixDuration: Double?,
                                 crossFadeDuration: Double) throws {
        for (name, value) in [("reference samples", reference.samples),
                              ("reference source samples", reference.sourceSamples),
                              ("reference source sample rate", reference.sourceSampleRate)] where value <= 0 {
            throw TextError.invalidArgument(name: name, expected: "a positive count", found: "\(value)")
        }
        guard speed.isFinite, speed > 0 else {
            throw TextError.invalidArgument(name: "speed", expected: "a finite number > 0", found: "\(speed)")
        }
        if let fixDuration, !(fixDuration.isFinite && fixDuration > 0) {
            throw TextError.invalidArgument(name: "fix-duration", expected: "a finite number of seconds > 0",
                                            found: "\(fixDuration)")
        }
        guard crossFadeDuration.isFinite else {
            throw TextError.invalidArgument(name: "cross-fade duration", expected: "a finite number of seconds",
                                            found: "\(crossFadeDuration)")
        }
    }

    /// Refuses text that is only whitespace, or whose every other character is outside the vocabulary (the
    /// reference would silently read all of them as spaces).
    private static func requireKnownCharacters(_ text: String, argument: String, vocabulary: Vocabulary,
                                               frontEnd: any TextFrontEnd) throws {
        let tokens = try frontEnd.tokens(for: text)
        let visible = tokens.filter { !$0.unicodeScalars.allSatisfy(PythonText.isSpace) }
        guard !visible.isEmpty else { throw TextError.emptyText(argument: argument) }
        guard visible.contains(where: vocabulary.contains) else {
            throw TextError.noKnownCharacters(argument: argument, text: String(text.prefix(80)))
        }
    }
}
