import Foundation

/// `[name]` voice tags in a text, split as F5-TTS 1.1.22's `infer_cli.py` splits them for multi-voice
/// generation: the text is cut before every `[\w+]` tag; a piece that is only whitespace is dropped; a
/// piece that starts with a tag is in that voice, any other in the main one; every tag in a piece is removed
/// and the rest stripped of surrounding whitespace.
public enum VoiceTags {
    /// One piece of text and the tag it starts with (nil: none, the main voice).
    public struct Segment: Equatable, Sendable {
        public var tag: String?
        public var text: String
    }

    /// The voice the reference falls back to for untagged pieces and unknown tags.
    public static let mainVoice = "main"

    public static func segments(_ text: String) -> [Segment] {
        let whole = NSRange(text.startIndex..., in: text)
        // Cut positions: the start of every tag (Python's re.split on the lookahead (?=\[\w+\])).
        var cuts = tagPattern.matches(in: text, range: whole).map(\.range.location)
        if cuts.first != 0 { cuts.insert(0, at: 0) }
        let ns = text as NSString
        var segments: [Segment] = []
        for (i, start) in cuts.enumerated() {
            let end = i + 1 < cuts.count ? cuts[i + 1] : ns.length
            let piece = ns.substring(with: NSRange(location: start, length: end - start))
            guard !PythonText.strip(piece).isEmpty else { continue }
            let pieceRange = NSRange(location: 0, length: (piece as NSString).length)
            let leading = tagPattern.firstMatch(in: piece, options: .anchored, range: pieceRange)
            let tag = leading.map { (piece as NSString).substring(with: $0.range(at: 1)) }
            let untagged = tagPattern.stringByReplacingMatches(in: piece, range: pieceRange, withTemplate: "")
            segments.append(Segment(tag: tag, text: PythonText.strip(untagged)))
        }
        return segments
    }

    private static let tagPattern = try! NSRegularExpression(pattern: #"\[(\w+)\]"#)
}
