import F5TTS
import Foundation

/// The tiny F5 + Vocos pair and the reference clip of Tests/Fixtures/speak (written by make_speak_fixtures.py).
enum SpeakFixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/speak")
    static var models: String { folder.appendingPathComponent("models").path }
    static var refAudio: String { folder.appendingPathComponent("ref.wav").path }
    static let refText = "The quick brown fox jumps"
    /// Two chunks with the fixture's reference (the speak fixture's "multi" case).
    static let twoChunkText = "Some call me nature, others call me mother nature. I have been here for over four and a half "
        + "billion years, twenty two thousand five hundred times longer than you. I don't really need people, but people need me. "
        + "Yes, your future depends on me. When I thrive, you thrive. When I falter, you falter, or worse. I have been here "
        + "for ages, and I will be here long after you are gone. Take care of me, and choose wisely what you do next."

    static func synthesizer(_ backend: BackendKind = .dequant) throws -> Synthesizer {
        try Synthesizer(model: models, backend: backend)
    }
}
