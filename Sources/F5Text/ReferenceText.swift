/// The reference transcript as F5-TTS prepares it before it is prepended to every chunk.
public enum ReferenceText {
    /// `preprocess_ref_audio_text`: the text must end with ". " or "。"; a trailing "." gets " ", anything
    /// else gets ". ". The reference transcribes an empty text with Whisper; this port asks for the text.
    public static func normalised(_ text: String, argument: String = "ref-text") throws -> String {
        let scalars = Array(text.unicodeScalars)
        guard !PythonText.strip(scalars[...]).isEmpty else { throw TextError.emptyText(argument: argument) }
        if scalars.ends(with: ". ") || scalars.ends(with: "。") { return text }
        return text + (scalars.last == "." ? " " : ". ")
    }

    /// `infer_batch_process`: one more space when the last character is one UTF-8 byte, so an English
    /// transcript ends with ".  " (this is the text the durations and tokens use; max_chars does not).
    public static func withTrailingSpace(_ normalised: String) -> String {
        normalised.unicodeScalars.last?.isASCII == true ? normalised + " " : normalised
    }
}

extension Array where Element == Unicode.Scalar {
    /// Code-point suffix test (`String.hasSuffix` compares grapheme clusters, Python compares code points).
    func ends(with suffix: String) -> Bool {
        let tail = Array(suffix.unicodeScalars)
        return count >= tail.count && self[(count - tail.count)...].elementsEqual(tail)
    }
}
