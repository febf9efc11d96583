/// `chunk_text` and its `max_chars` rule from f5_tts `infer_process`.
public enum Chunker {
    /// ASCII sentence punctuation: a whitespace run after one of these is a break and is dropped.
    private static let asciiBreaks = Set(";:,.!?".unicodeScalars)
    /// Full-width punctuation: a break right after it, keeping what follows.
    private static let cjkBreaks = Set("；：，。！？".unicodeScalars)

    /// `int(len(ref_text.encode("utf-8")) / (n / sr) * (22 - n / sr) * speed)`, with n samples at rate sr of
    /// the prepared reference as loaded (before resampling), ref_text as normalised (without the extra space).
    /// Callers validate `samples`, `sampleRate` > 0 and a finite positive speed.
    public static func maxChars(refTextBytes: Int, samples: Int, sampleRate: Int, speed: Double) -> Int {
        let seconds = Double(samples) / Double(sampleRate)
        return PythonText.int(Double(refTextBytes) / seconds * (22 - seconds) * speed)
    }

    /// Sentences (split as `re.split(r"(?<=[;:,.!?])\s+|(?<=[；：，。！？])", text)`) packed greedily while the
    /// UTF-8 byte count stays within `maxChars`; a sentence ending in a one-byte character is followed by a
    /// space; chunks are stripped. A sentence longer than `maxChars` becomes a chunk of its own.
    public static func chunks(_ text: String, maxChars: Int) -> [String] {
        var chunks: [String] = []
        var current: [Unicode.Scalar] = []
        var currentBytes = 0
        // Like the reference, a pending whitespace-only chunk is kept (as ""), only an empty one is not.
        func flush() {
            if !current.isEmpty { chunks.append(PythonText.string(PythonText.strip(current[...]))) }
        }
        for sentence in sentences(Array(text.unicodeScalars)) {
            guard let last = sentence.last else { continue }
            let bytes = PythonText.utf8Count(sentence)
            if currentBytes + bytes > maxChars {
                flush()
                current = []
                currentBytes = 0
            }
            current.append(contentsOf: sentence)
            currentBytes += bytes
            if last.isASCII {
                current.append(" ")
                currentBytes += 1
            }
        }
        flush()
        return chunks
    }

    /// The pieces of the reference's `re.split` (possibly empty ones).
    static func sentences(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            i += 1
            if cjkBreaks.contains(s) {
                pieces.append(scalars[start..<i])
                start = i
            } else if asciiBreaks.contains(s), i < scalars.count, PythonText.isSpace(scalars[i]) {
                pieces.append(scalars[start..<i])
                while i < scalars.count, PythonText.isSpace(scalars[i]) { i += 1 }
                start = i
            }
        }
        pieces.append(scalars[start...])
        return pieces
    }
}
