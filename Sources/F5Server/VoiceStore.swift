import F5TTS
import Foundation

/// The voices the server speaks in: the built-in one (also under OpenAI's stock voice names, which
/// clients send by default) and those of the voices folder (`VoiceLibrary`). Prepared voices are cached,
/// since preparing a clip costs more than a short synthesis.
final class VoiceStore: @unchecked Sendable {
    static let builtInID = "builtin"
    /// OpenAI's voices: clients send one of these unless told otherwise.
    static let openAINames: Set<String> = ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse"]

    let library: VoiceLibrary
    private let synthesizer: Synthesizer
    private let lock = NSLock()
    private var prepared: [String: Voice] = [:]
    private let preparation = DispatchQueue(label: "f5tts.voice-preparation")

    init(directory: String, synthesizer: Synthesizer) {
        library = VoiceLibrary(directory: directory)
        self.synthesizer = synthesizer
    }

    static func isBuiltIn(_ id: String) -> Bool { id == builtInID || openAINames.contains(id) }

    /// The prepared voice for `id`, nil when there is none. `transcript` replaces the stored one (`ref_text`).
    /// Preparing is CPU work: it runs on a queue of its own, one voice at a time (so concurrent requests
    /// for a voice prepare it once), never on the threads that serve requests.
    func voice(_ id: String, transcript: String? = nil) async throws -> Voice? {
        let key = transcript.map { "\(id)\u{0}\($0)" } ?? id
        if let cached = cached(key) { return cached }
        return try await preparing { [self] in
            if let cached = cached(key) { return cached }
            let voice: Voice
            if Self.isBuiltIn(id) {
                voice = try synthesizer.prepareVoice(audio: BuiltinVoice.audio(), name: "built-in voice",
                                                     transcript: transcript ?? BuiltinVoice.transcript)
            } else {
                guard let entry = try library.entry(id) else { return nil }
                voice = try synthesizer.prepareVoice(path: entry.audioPath, transcript: transcript ?? entry.transcript)
            }
            remember(key, voice)
            return voice
        }
    }

    /// Stores an uploaded clip as voice `name` once it has been prepared (so a clip that cannot be used is
    /// refused before anything is written), and caches the prepared voice.
    func add(name: String, audio: Data, audioExtension: String, transcript: String) async throws {
        try await preparing { [self] in
            let staging = FileManager.default.temporaryDirectory.appendingPathComponent("f5tts-upload-\(UUID().uuidString).\(audioExtension)")
            try audio.write(to: staging)
            defer { try? FileManager.default.removeItem(at: staging) }
            let voice = try synthesizer.prepareVoice(path: staging.path, transcript: transcript)
            try library.store(name: name, audio: audio, audioExtension: audioExtension, transcript: transcript)
            forget(name)
            remember(name, voice)
        }
    }

    /// Removes a stored voice; false when there was none.
    func remove(_ name: String) throws -> Bool {
        forget(name)
        return try library.remove(name)
    }

    /// Runs `work` on the preparation queue (CPU work, kept off the threads that serve requests).
    private func preparing<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            preparation.async { continuation.resume(with: Result(catching: work)) }
        }
    }

        private func cached(_ key: String) -> Voice? { lock.lock(); defer { lock.unlock() }; return prepared[key] }
    private func remember(_ key: String, _ voice: Voice) { lock.lock(); prepared[key] = voice; lock.unlock() }
    /// Drops every cached form of `name` (with or without a replaced transcript).
    private func forget(_ name: String) {
        lock.lock()
        prepared = prepared.filter { $0.key != name && !$0.key.hasPrefix("\(name)\u{0}") }
        lock.unlock()
    }
}
