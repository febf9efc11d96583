import F5TTS
import Foundation

/// The voices the server speaks in: the built-in one (also under OpenAI's stock voice names, which
/// clients send by default) and those of the voices folder (`VoiceLibrary`).
///
/// Every use of a name (preparing it for speech, uploading, deleting) runs under that name's turn, one
/// after another, so a delete waits for a preparation of the same name and then evicts it, and an upload
/// and a delete of one name never interleave. Prepared voices are cached (preparing costs more than a
/// short synthesis) in a cache bounded by bytes that transcript overrides (`ref_text`) share.
actor VoiceStore {
    static let builtInID = "builtin"
    /// OpenAI's voices: clients send one of these unless told otherwise.
    static let openAINames: Set<String> = ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"]

    enum Problem: Error { case exists(String) }

    let library: VoiceLibrary
    private let synthesizer: Synthesizer
    private var cache: VoiceCache
    /// Names whose turn is taken, with the turns waiting for each, in order.
    private var turns: [String: [CheckedContinuation<Void, Never>]] = [:]
    private let preparation = DispatchQueue(label: "f5tts.voice-preparation")

    init(directory: String, synthesizer: Synthesizer, cacheBytes: Int) {
        library = VoiceLibrary(directory: directory)
        self.synthesizer = synthesizer
        cache = VoiceCache(capacity: cacheBytes)
    }

    /// Built-in names in any case ("Alloy" too): an upload cannot take them.
    static func isBuiltIn(_ id: String) -> Bool {
        let id = id.lowercased()
        return id == builtInID || openAINames.contains(id)
    }

    /// The prepared voice for `id`, nil when there is none. `transcript` replaces the stored one (`ref_text`).
    func voice(_ id: String, transcript: String? = nil) async throws -> Voice? {
        let name = Self.isBuiltIn(id) ? Self.builtInID : id
        return try await inTurn(name) {
            let key = VoiceCache.Key(name: name, transcript: transcript)
            if let cached = cache[key] { return cached }
            let voice: Voice
            if name == Self.builtInID {
                voice = try await preparing { [synthesizer] in
                    try synthesizer.prepareVoice(audio: BuiltinVoice.audio(), name: "built-in voice",
                                                 transcript: transcript ?? BuiltinVoice.transcript)
                }
            } else {
                guard let entry = try library.entry(name) else { return nil }
                voice = try await preparing { [synthesizer] in
                    try synthesizer.prepareVoice(path: entry.audioPath, transcript: transcript ?? entry.transcript)
                }
            }
            cache[key] = voice
            return voice
        }
    }

    /// Stores an uploaded clip as voice `name` once it has been prepared (so a clip that cannot be used is
    /// refused before anything is written), and caches the prepared voice. An existing voice is replaced
    /// only with `overwrite`. `clipName` stands for the clip in error messages.
    func add(name: String, audio: Data, audioExtension: String, transcript: String, overwrite: Bool, clipName: String) async throws {
        try await inTurn(name) {
            if !overwrite, library.audioPath(name) != nil { throw Problem.exists(name) }
            let voice = try await preparing { [synthesizer] in
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-upload-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let staging = folder.appendingPathComponent("clip.\(audioExtension)")
                try audio.write(to: staging)
                do { return try synthesizer.prepareVoice(path: staging.path, transcript: transcript) } catch {
                    // The client never saw this path: name the clip as it sent it.
                    throw F5TTSError.invalidArgument(name: clipName, expected: "a usable reference clip",
                                                     found: "\(error)".replacingOccurrences(of: staging.path, with: clipName))
                }
            }
            try library.store(name: name, audio: audio, audioExtension: audioExtension, transcript: transcript)
            cache.evict(name)
            cache[VoiceCache.Key(name: name, transcript: nil)] = voice
        }
    }

    /// Removes a stored voice and every prepared form of it; false when there was none.
    func remove(_ name: String) async throws -> Bool {
        try await inTurn(name) {
            cache.evict(name)
            return try library.remove(name)
        }
    }

    /// Bytes the cache holds now.
    var cachedBytes: Int { cache.bytes }

    /// Runs `work` when `name`'s earlier users are done; the next one waits for it.
    private func inTurn<T: Sendable>(_ name: String, _ work: () async throws -> T) async throws -> T {
        if turns[name] != nil {
            await withCheckedContinuation { turns[name, default: []].append($0) }
        } else {
            turns[name] = []
        }
        defer {
            if var waiting = turns[name], !waiting.isEmpty {
                waiting.removeFirst().resume()
                turns[name] = waiting
            } else {
                turns[name] = nil
            }
        }
        return try await work()
    }

    /// Runs `work` on the preparation queue: CPU work, kept off the threads that serve requests.
    private func preparing<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            preparation.async { continuation.resume(with: Result(catching: work)) }
        }
    }
}

/// Prepared voices by name and transcript override, at most `capacity` bytes; the least recently used go first.
struct VoiceCache {
    struct Key: Hashable { let name: String; let transcript: String? }

    let capacity: Int
    private var entries: [Key: (voice: Voice, bytes: Int, used: Int)] = [:]
    private var clock = 0
    private(set) var bytes = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Float storage of a prepared voice: its mel and its samples.
    static func size(_ voice: Voice) -> Int { (voice.mel.count + voice.reference.samples.count) * MemoryLayout<Float>.size }

    subscript(key: Key) -> Voice? {
        mutating get {
            guard var entry = entries[key] else { return nil }
            clock += 1
            entry.used = clock
            entries[key] = entry
            return entry.voice
        }
        set {
            remove { $0 == key }
            guard let voice = newValue else { return }
            let size = Self.size(voice)
            while bytes + size > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                remove { $0 == oldest }
            }
            // A voice larger than the whole cache is used once and not kept.
            guard size <= capacity else { return }
            clock += 1
            entries[key] = (voice, size, clock)
            bytes += size
            ServerMetrics.voiceCacheBytes.record(bytes)
        }
    }

    /// Drops every cached form of `name` (with or without a replaced transcript).
    mutating func evict(_ name: String) { remove { $0.name == name } }

    private mutating func remove(where matches: (Key) -> Bool) {
        for key in entries.keys where matches(key) { bytes -= entries.removeValue(forKey: key)!.bytes }
        ServerMetrics.voiceCacheBytes.record(bytes)
    }
}
