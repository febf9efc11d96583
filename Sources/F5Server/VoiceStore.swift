import F5TTS
import Foundation

/// The voices the server speaks in: the built-in one (also under OpenAI's stock voice names, which
/// clients send by default) and those stored in the voices folder as `NAME.wav` + `NAME.txt`. Prepared
/// voices are cached, since preparing a clip costs more than a short synthesis.
final class VoiceStore: @unchecked Sendable {
    static let builtInID = "builtin"
    /// OpenAI's voices: clients send one of these unless told otherwise.
    static let openAINames: Set<String> = ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse"]

    let directory: String
    private let synthesizer: Synthesizer
    private let lock = NSLock()
    private var prepared: [String: Voice] = [:]

    init(directory: String, synthesizer: Synthesizer) {
        self.directory = directory
        self.synthesizer = synthesizer
    }

    /// Ids of the stored voices (file names without `.wav` that have a transcript beside them), sorted.
    func storedIDs() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".wav") }.map { String($0.dropLast(4)) }
            .filter { Self.isSafeID($0) && FileManager.default.fileExists(atPath: path($0, "txt")) }.sorted()
    }

    /// Ids that can be stored as file names: letters, digits, `-`, `_`, `.` (not leading), at most 64.
    static func isSafeID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && !id.hasPrefix(".")
            && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    /// The prepared voice for `id`, nil when there is none. `transcript` replaces the stored one (`ref_text`).
    func voice(_ id: String, transcript: String? = nil) throws -> Voice? {
        let key = transcript.map { "\(id)\u{0}\($0)" } ?? id
        lock.lock()
        if let cached = prepared[key] { lock.unlock(); return cached }
        lock.unlock()
        let voice: Voice
        if id == Self.builtInID || Self.openAINames.contains(id) {
            voice = try synthesizer.prepareVoice(audio: BuiltinVoice.audio(), name: "built-in voice",
                                                 transcript: transcript ?? BuiltinVoice.transcript)
        } else {
            guard Self.isSafeID(id), storedIDs().contains(id) else { return nil }
            let text = try transcript ?? String(contentsOfFile: path(id, "txt"), encoding: .utf8)
            voice = try synthesizer.prepareVoice(path: path(id, "wav"), transcript: text)
        }
        lock.lock()
        prepared[key] = voice
        lock.unlock()
        return voice
    }

    private func path(_ id: String, _ ext: String) -> String { (directory as NSString).appendingPathComponent("\(id).\(ext)") }
}
