/// Text to the token strings the vocabulary maps to ids: the reference's `convert_char_to_pinyin`. A
/// language's front end (segmentation, readings) plugs in here; plans take one.
public protocol TextFrontEnd: Sendable {
    /// The token list for `text`.
    func tokens(for text: String) throws -> [String]
}

/// The reference's own front end (`Tokenizer`): Latin-script and Chinese text alike. The Chinese data is
/// loaded the first time a text needs it, so text without Chinese characters pays nothing for it.
public struct ReferenceFrontEnd: TextFrontEnd {
    public init() {}
    public func tokens(for text: String) throws -> [String] { try Tokenizer.tokens(for: text) }
}

/// F5-TTS 1.1.22 `convert_char_to_pinyin([text])`: rjieba 0.2.2's segments (`Segmenter`), then per segment
/// its code points (pure ASCII, with a `" "` token before some multi-character segments: the reference's
/// word-boundary hint), pypinyin readings (all 3-byte characters), or a mix of both.
public enum Tokenizer {
    /// The reference's `str.maketrans` replacements, applied before anything else.
    private static let replacements: [Unicode.Scalar: Unicode.Scalar] = [
        ";": ",", "\u{201C}": "\"", "\u{201D}": "\"", "\u{2018}": "'", "\u{2019}": "'",
    ]
    /// A previous token from this set suppresses the inserted space.
    private static let spaceSuppressors: Set<String> = [" ", ":", "'", "\""]

    /// The token list for `text`. The only errors are Chinese data files missing from the bundle.
    public static func tokens(for text: String) throws -> [String] {
        let scalars = text.unicodeScalars.map { replacements[$0] ?? $0 }
        var tokens: [String] = []
        tokens.reserveCapacity(scalars.count + scalars.count / 4)
        for range in try Segmenter.segments(scalars) {
            let segment = scalars[range]
            let bytes = PythonText.utf8Count(segment)
            if bytes == segment.count {
                if segment.count > 1, let last = tokens.last, !spaceSuppressors.contains(last) { tokens.append(" ") }
                tokens.append(contentsOf: segment.map { String($0) })
            } else if bytes == 3 * segment.count {
                let readings = try readings(of: segment)
                for (scalar, reading) in zip(segment, readings) {
                    if isChinese(scalar) { tokens.append(" ") }
                    tokens.append(reading)
                }
            } else {
                for scalar in segment {
                    if scalar.value < 256 {
                        tokens.append(String(scalar))
                    } else if isChinese(scalar) {
                        tokens.append(" ")
                        tokens += try readings(of: [scalar])
                    } else {
                        tokens.append(String(scalar))
                    }
                }
            }
        }
        return tokens
    }

    /// `lazy_pinyin(segment, style=TONE3, tone_sandhi=True)`; kana, Hangul or CJK punctuation alone are
    /// read as themselves without loading the readings.
    private static func readings(of segment: ArraySlice<Unicode.Scalar>) throws -> [String] {
        guard segment.contains(where: Pinyin.hasReadingsRange) else { return [PythonText.string(segment)] }
        return try Pinyin.shared().lazyPinyin(segment)
    }

    /// The reference's `is_chinese`: U+3100–U+9FFF (so also bopomofo, Hangul jamo, enclosed CJK, but not
    /// 〇, kana, full-width forms or compatibility ideographs) gets a space token before its reading.
    private static func isChinese(_ s: Unicode.Scalar) -> Bool { (0x3100...0x9FFF).contains(s.value) }
}
