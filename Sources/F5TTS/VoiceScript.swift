import F5Text
import Foundation

/// A text that may switch voices with `[name]` tags, as F5-TTS's `infer_cli` multi-voice scripts do, with
/// one difference: a bracketed word is a tag only when it names a defined voice or `main`. Any other
/// (`[INSTALL]`, a markdown link's `[signs](#keys)`, `[1]`) is text, and the whole text is read as
/// `infer_process` reads it. The CLI, the server and batch all split texts through this type.
///
/// Where tags are found the text is cut before each; a piece that is only whitespace is dropped; a piece
/// that starts with a tag is in that voice, any other in `main`; the piece's tags are removed and the rest
/// stripped (Python's `str.strip`).
public struct VoiceScript: Equatable, Sendable {
    /// One piece of text and the voice that speaks it.
    public struct Part: Equatable, Sendable {
        public var voice: String
        public var text: String
        public init(voice: String, text: String) { (self.voice, self.text) = (voice, text) }
    }

    /// The voice of untagged text: the request's or the command line's reference.
    public static let mainVoice = "main"

    public let parts: [Part]
    /// Whether the text had tags (then it was split and stripped; otherwise it is one part, as given).
    public let isTagged: Bool
    /// Tags whose piece had no text, in order (F5-TTS fails on them; here they are left out).
    public private(set) var emptyTags: [String] = []

    /// `text` split at the tags that name one of `voices` or `main`. Throws when tags leave no words.
    public init(text: String, voices: Set<String>) throws {
        let defined = voices.union([Self.mainVoice])
        let ns = text as NSString
        let tags = Self.pattern.matches(in: text, range: NSRange(location: 0, length: ns.length))
            .filter { defined.contains(ns.substring(with: $0.range(at: 1))) }
        guard !tags.isEmpty else {
            parts = [Part(voice: Self.mainVoice, text: text)]
            isTagged = false
            return
        }
        isTagged = true
        var cuts = tags.map(\.range.location)
        if cuts.first != 0 { cuts.insert(0, at: 0) }
        var parts: [Part] = [], empty: [String] = []
        for (i, start) in cuts.enumerated() {
            let end = i + 1 < cuts.count ? cuts[i + 1] : ns.length
            let pieceRange = NSRange(location: start, length: end - start)
            var voice = Self.mainVoice
            var untagged = ""
            var position = start
            for tag in tags where NSLocationInRange(tag.range.location, pieceRange) {
                if tag.range.location == start { voice = ns.substring(with: tag.range(at: 1)) }
                untagged += ns.substring(with: NSRange(location: position, length: tag.range.location - position))
                position = NSMaxRange(tag.range)
            }
            untagged += ns.substring(with: NSRange(location: position, length: end - position))
            let piece = PythonText.strip(untagged)
            if !piece.isEmpty { parts.append(Part(voice: voice, text: piece)) } else if !PythonText.strip(ns.substring(with: pieceRange)).isEmpty {
                empty.append(voice)
            }
        }
        guard !parts.isEmpty else {
            throw F5TTSError.invalidArgument(name: "text", expected: "words outside the voice tags", found: "only tags")
        }
        self.parts = parts
        emptyTags = empty
    }

    /// The whole text in `main`, tags or not (a front end that offers no voice switching).
    public init(text: String) {
        parts = [Part(voice: Self.mainVoice, text: text)]
        isTagged = false
    }

    /// Every bracketed word of `text` that could be a tag, for callers that look voices up by name.
    public static func candidateTags(in text: String) -> Set<String> {
        let ns = text as NSString
        return Set(pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }

    /// The voices the parts name.
    public var voices: Set<String> { Set(parts.map(\.voice)) }

    // infer_cli's `\[(\w+)\]`.
    private static let pattern = try! NSRegularExpression(pattern: #"\[(\w+)\]"#)
}
